package dev.envelope.keyring;

import dev.envelope.core.ManagedKeyService;
import java.nio.file.Path;

/**
 * A process that writes the keyring as fast as it can until it is killed: {@link KeyringCrashTest} runs it
 * and kills it with SIGKILL at random points. Prints "committed N" after each write that has returned.
 */
public final class KeyringWriter {
  private KeyringWriter() {}

  public static void main(String[] args) throws Exception {
    ManagedKeyService keyring = LocalKeyring.open(Path.of(args[0]), MasterKey.fromBase64(args[1], "argument"));
    int committed = keyring.listKeys().size();
    System.out.println("ready " + committed);
    System.out.flush();
    while (true) {
      keyring.createKey("written by a process that will be killed");
      committed++;
      System.out.println("committed " + committed);
      System.out.flush();
    }
  }
}
