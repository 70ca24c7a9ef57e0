package dev.envelope.bench;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** What the numbers were measured on, all read from this machine and this JVM at run time. */
final class MachineInfo {
  /** Set by bin/bench to the command the user typed; the JVM's own command line is printed as well. */
  static final String INVOCATION_PROPERTY = "bench.invocation";
  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_./:=,+@%-]+");

  private MachineInfo() {}

  /** Label/value pairs, in print order, with {@code extra} right after the JDK's line. */
  static Map<String, String> describe(String[] benchArgs, Map<String, String> extra) {
    Map<String, String> info = new LinkedHashMap<>();
    describe(benchArgs).forEach((k, v) -> {
      info.put(k, v);
      if (k.equals("JDK")) {
        info.putAll(extra);
      }
    });
    return info;
  }

  /** Label/value pairs, in print order. */
  static Map<String, String> describe(String[] benchArgs) {
    Map<String, String> info = new LinkedHashMap<>();
    Runtime runtime = Runtime.getRuntime();
    info.put("CPU", cpuModel());
    info.put("CPU features", cpuFeatures());
    info.put("Cores (availableProcessors)", Integer.toString(runtime.availableProcessors()));
    info.put("JDK", System.getProperty("java.vm.name") + " " + System.getProperty("java.version")
        + " (" + System.getProperty("java.vm.version") + ")");
    info.put("HotSpot crypto flags", vmOptions("UseAES", "UseCLMUL", "UseAVX"));
    info.put("Max heap", Sizes.format(roundToMib(runtime.maxMemory())));
    info.put("GC", collectors());
    info.put("OS", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
        + System.getProperty("os.arch"));
    String invocation = System.getProperty(INVOCATION_PROPERTY);
    if (invocation != null && !invocation.isBlank()) {
      info.put("Invoked as", invocation);
    }
    info.put("JVM command line", commandLine());
    info.put("Benchmark arguments", benchArgs.length == 0 ? "(none)" : quote(List.of(benchArgs)));
    return info;
  }

  /** The model name, with family, model and stepping: virtual machines often report a bare brand name. */
  private static String cpuModel() {
    String name = cpuField("model name");
    if (name == null) {
      return "unknown (no model name in /proc/cpuinfo), arch " + System.getProperty("os.arch");
    }
    return name + " (family " + cpuField("cpu family") + ", model " + cpuField("model") + ", stepping "
        + cpuField("stepping") + ")";
  }

  /** The first value of {@code field} in /proc/cpuinfo, or null. */
  private static String cpuField(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).trim().equals(field)) {
          return line.substring(colon + 1).trim();
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux, or not readable: the caller says so rather than guess.
    }
    return null;
  }

  /** The flags that decide AES-GCM speed: AES-NI, carry-less multiply, and the vector widths. */
  private static String cpuFeatures() {
    String line = cpuField("flags");
    if (line == null) {
      return "unknown";
    }
    List<String> flags = List.of(line.split("\\s+"));
    List<String> shown = new ArrayList<>();
    for (String f : List.of("aes", "pclmulqdq", "avx", "avx2", "avx512f", "vaes", "vpclmulqdq")) {
      shown.add(f + (flags.contains(f) ? "" : " (absent)"));
    }
    return String.join(", ", shown);
  }

  private static String vmOptions(String... names) {
    List<String> values = new ArrayList<>();
    try {
      HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      for (String name : names) {
        try {
          values.add(name + "=" + hotspot.getVMOption(name).getValue());
        } catch (IllegalArgumentException e) {
          values.add(name + "=n/a");
        }
      }
    } catch (RuntimeException e) {
      return "unknown (not HotSpot)";
    }
    return String.join(", ", values);
  }

  private static String collectors() {
    List<String> names = new ArrayList<>();
    for (GarbageCollectorMXBean bean : ManagementFactory.getGarbageCollectorMXBeans()) {
      names.add(bean.getName());
    }
    return String.join(", ", names);
  }

  private static String commandLine() {
    ProcessHandle.Info process = ProcessHandle.current().info();
    Optional<String> command = process.command();
    Optional<String[]> arguments = process.arguments();
    if (command.isPresent() && arguments.isPresent()) {
      List<String> all = new ArrayList<>();
      all.add(command.get());
      all.addAll(List.of(arguments.get()));
      return quote(all);
    }
    // Fallback where the OS does not expose the command line: rebuild what the JVM knows.
    List<String> all = new ArrayList<>();
    all.add("java");
    all.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    all.add(System.getProperty("sun.java.command", "?"));
    return quote(all);
  }

  /** Shell-quotes the words that need it, so the line can be pasted back. */
  static String quote(List<String> words) {
    List<String> quoted = new ArrayList<>();
    for (String w : words) {
      quoted.add(SAFE.matcher(w).matches() ? w : "'" + w.replace("'", "'\\''") + "'");
    }
    return String.join(" ", quoted);
  }

  private static long roundToMib(long bytes) {
    return Math.round(bytes / (double) Sizes.MIB) * Sizes.MIB;
  }
}
