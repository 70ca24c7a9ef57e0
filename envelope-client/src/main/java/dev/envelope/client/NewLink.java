package dev.envelope.client;

import java.util.Objects;

/**
 * A share link the server just made: the only time its URL is available (it holds the link's secret; the server
 * keeps only a hash). Whoever has the URL can download the file, without a token, until the link ends.
 *
 * @param info what the server lists about it
 * @param url the link
 */
public record NewLink(LinkInfo info, String url) {
  public NewLink {
    Objects.requireNonNull(info, "info");
    Objects.requireNonNull(url, "url");
  }

  /** Leaves the URL out: this object may end up in a log. */
  @Override
  public String toString() {
    return "NewLink[" + info + "]";
  }
}
