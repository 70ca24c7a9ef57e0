package dev.envelope.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.envelope.core.EnvelopeException;
import dev.envelope.core.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** Fuzz tests of the config file of {@code envelope serve} ({@link ServerSettings}; docs/FUZZING.md). */
class ServerSettingsFuzzTest {
  @TempDir
  static Path dir;
  private static Path file;

  @BeforeAll
  static void name() {
    file = dir.resolve("envelope.conf");
  }

  /**
   * {@link ServerSettings#resolve} with the input as the config file (no flags, no variables), then every typed
   * setting read as {@code envelope serve} reads them. Documented refusal: {@link EnvelopeException} with
   * {@link ErrorCode#INVALID_ARGUMENT}, naming the file and the setting.
   */
  @FuzzTest
  void configFile(byte[] input) throws IOException {
    Files.write(file, input);
    try {
      ServerSettings settings = ServerSettings.resolve(Map.of(), file.toString(), Map.of());
      for (Setting s : Setting.values()) {
        settings.value(s);
        settings.where(s);
      }
      settings.size(Setting.S3_PART_SIZE, 5L << 20, 5L << 30);
      settings.integer(Setting.S3_PARALLELISM, 1, 64);
      settings.duration(Setting.S3_MAX_UPLOAD_TIME, java.time.Duration.ofSeconds(1), java.time.Duration.ofDays(7));
      settings.integer(Setting.POSTGRES_POOL_SIZE, 1, 1000);
      settings.bool(Setting.S3_PATH_STYLE);
    } catch (EnvelopeException e) {
      assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    }
  }
}
