package dev.envelope.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.envelope.api.EnvelopeException;
import dev.envelope.api.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** Fuzz tests of the config file of {@code envelope serve} ({@link SettingSources}; docs/FUZZING.md). */
class ServerSettingsFuzzTest {
  @TempDir
  static Path dir;
  private static Path file;

  @BeforeAll
  static void name() {
    file = dir.resolve("envelope.conf");
  }

  /**
   * {@link ServerSettings#resolve} with the input as the config file (no flags, no variables), then every setting
   * read raw and through each typed reader of {@link SettingSources}. Documented refusal: {@link
   * EnvelopeException} with {@link ErrorCode#INVALID_ARGUMENT}, naming the file and the setting. (The node's
   * settings are read by the same {@link SettingSources}.)
   */
  @FuzzTest
  void configFile(byte[] input) throws IOException {
    Files.write(file, input);
    try {
      ServerSettings.resolve(Map.of(), file.toString(), Map.of());
      SettingSources sources = SettingSources.load(Map.of(), file.toString(), Map.of(),
          List.of(HttpSetting.values()), null);
      for (HttpSetting s : HttpSetting.values()) {
        sources.value(s);
        sources.where(s);
        readTyped(sources, s);
      }
    } catch (EnvelopeException e) {
      assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    }
  }

  private static void readTyped(SettingSources sources, HttpSetting s) {
    for (int reader = 0; reader < 5; reader++) {
      try {
        switch (reader) {
          case 0 -> sources.size(s, 0, Long.MAX_VALUE);
          case 1 -> sources.integer(s, Integer.MIN_VALUE, Integer.MAX_VALUE);
          case 2 -> sources.duration(s, Duration.ZERO, Duration.ofDays(365));
          case 3 -> sources.bool(s);
          default -> sources.path(s);
        }
      } catch (EnvelopeException e) {
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
      }
    }
  }
}
