package dev.envelope.pkcs11;

import dev.envelope.api.EnvelopeException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;

/**
 * Finds the slot that holds the token with a given label. SunPKCS11's configuration names a slot only by
 * number or list index, and no public Java API lists tokens, so this reads the token list through the
 * provider's own PKCS#11 wrapper ({@code sun.security.pkcs11.wrapper}), by reflection.
 *
 * <h2>Restrictions</h2>
 * The JVM must export that package: {@code --add-exports jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=
 * ALL-UNNAMED} (the {@code envelope} jar's manifest does). Without it a slot number works; a label does not.
 */
final class TokenSlots {
  private TokenSlots() {}

  static long slotOf(Path library, String label) throws EnvelopeException {
    try {
      Class<?> wrapper = Class.forName("sun.security.pkcs11.wrapper.PKCS11");
      Class<?> initArgs = Class.forName("sun.security.pkcs11.wrapper.CK_C_INITIALIZE_ARGS");
      Method getInstance = wrapper.getMethod("getInstance", String.class, String.class, initArgs, boolean.class);
      Object pkcs11 = getInstance.invoke(null, library.toString(), "C_GetFunctionList", null, false);
      long[] slots = (long[]) wrapper.getMethod("C_GetSlotList", boolean.class).invoke(pkcs11, true);
      Method tokenInfo = wrapper.getMethod("C_GetTokenInfo", long.class);
      for (long slot : slots) {
        Object info = tokenInfo.invoke(pkcs11, slot);
        char[] padded = (char[]) info.getClass().getField("label").get(info);
        if (new String(padded).stripTrailing().equals(label)) {
          return slot;
        }
      }
      throw Pkcs11Config.unavailable("no PKCS#11 token labelled '" + label + "' in " + library);
    } catch (IllegalAccessException | IllegalAccessError e) {
      throw Pkcs11Config.unavailable("finding a PKCS#11 token by label needs the JVM option --add-exports"
          + " jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED; or name the token by its slot number");
    } catch (InvocationTargetException e) {
      throw Pkcs11Config.unavailable("cannot list the PKCS#11 tokens of " + library + ": "
          + String.valueOf(e.getCause()).replace('\n', ' '));
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw Pkcs11Config.unavailable("cannot list the PKCS#11 tokens of " + library + " with this Java runtime ("
          + e.getClass().getSimpleName() + "); name the token by its slot number instead");
    }
  }

}
