package dev.envelope.cli.jsonlog;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The SLF4J provider of {@code --log-format json} ({@link JsonLogger}). SLF4J takes it instead of slf4j-simple
 * when the system property {@code slf4j.provider} names it before the first logger is made: {@link #select()}.
 */
public final class JsonLogProvider implements SLF4JServiceProvider {
  private final MDCAdapter mdc = new BasicMDCAdapter();
  private final IMarkerFactory markers = new BasicMarkerFactory();
  private ILoggerFactory loggers;

  /** Public, for SLF4J, which makes it by reflection. */
  public JsonLogProvider() {}

  /**
   * Makes this provider the process's, if no logger was made yet (else the logging stays as it is). SLF4J's own
   * notice that it loads a provider named by a property is silenced (unless asked for), as it is not JSON.
   */
  public static void select() {
    System.setProperty("slf4j.provider", JsonLogProvider.class.getName());
    if (System.getProperty("slf4j.internal.verbosity") == null) {
      System.setProperty("slf4j.internal.verbosity", "WARN");
    }
  }

  @Override
  public void initialize() {
    LogLevels levels = LogLevels.load();
    Map<String, Logger> made = new ConcurrentHashMap<>();
    loggers = name -> made.computeIfAbsent(name,
        n -> new JsonLogger(n, levels.threshold(n), mdc, () -> System.err, Clock.systemUTC()));
  }

  @Override
  public ILoggerFactory getLoggerFactory() {
    return loggers;
  }

  @Override
  public IMarkerFactory getMarkerFactory() {
    return markers;
  }

  @Override
  public MDCAdapter getMDCAdapter() {
    return mdc;
  }

  @Override
  public String getRequestedApiVersion() {
    return "2.0.99";
  }
}
