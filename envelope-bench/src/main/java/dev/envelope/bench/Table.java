package dev.envelope.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A small table rendered as aligned plain text (for the terminal) or as Markdown: the first
 * {@code labelColumns} columns are left-aligned labels, the rest right-aligned figures.
 */
public final class Table {
  private final int labelColumns;
  private final String[] headers;
  private final List<String[]> rows = new ArrayList<>();

  public Table(int labelColumns, String... headers) {
    this.labelColumns = labelColumns;
    this.headers = headers.clone();
  }

  public void add(String... cells) {
    if (cells.length != headers.length) {
      throw new IllegalArgumentException("expected " + headers.length + " cells, got " + cells.length);
    }
    rows.add(cells.clone());
  }

  public List<String> headers() {
    return List.of(headers);
  }

  /** The cells, row by row, as printed. */
  public List<String[]> rows() {
    return Collections.unmodifiableList(rows);
  }

  /** Labels left-aligned, figures right-aligned, two spaces between columns. */
  public String text() {
    int[] widths = new int[headers.length];
    for (int c = 0; c < headers.length; c++) {
      widths[c] = headers[c].length();
      for (String[] row : rows) {
        widths[c] = Math.max(widths[c], row[c].length());
      }
    }
    StringBuilder out = new StringBuilder();
    line(out, headers, widths);
    String[] rule = new String[headers.length];
    for (int c = 0; c < headers.length; c++) {
      rule[c] = "-".repeat(widths[c]);
    }
    line(out, rule, widths);
    for (String[] row : rows) {
      line(out, row, widths);
    }
    return out.toString();
  }

  public String markdown() {
    StringBuilder out = new StringBuilder();
    out.append("| ").append(String.join(" | ", escape(headers))).append(" |\n|");
    for (int c = 0; c < headers.length; c++) {
      out.append(c < labelColumns ? " :--- |" : " ---: |");
    }
    out.append('\n');
    for (String[] row : rows) {
      out.append("| ").append(String.join(" | ", escape(row))).append(" |\n");
    }
    return out.toString();
  }

  private void line(StringBuilder out, String[] cells, int[] widths) {
    for (int c = 0; c < cells.length; c++) {
      String pad = " ".repeat(widths[c] - cells[c].length());
      out.append(c == 0 ? "" : "  ").append(c < labelColumns ? cells[c] + pad : pad + cells[c]);
    }
    int end = out.length();
    while (end > 0 && out.charAt(end - 1) == ' ') {
      end--; // no trailing blanks after a left-aligned last cell
    }
    out.setLength(end);
    out.append(System.lineSeparator());
  }

  private static String[] escape(String[] cells) {
    String[] out = new String[cells.length];
    for (int c = 0; c < cells.length; c++) {
      out[c] = cells[c].replace("|", "\\|");
    }
    return out;
  }
}
