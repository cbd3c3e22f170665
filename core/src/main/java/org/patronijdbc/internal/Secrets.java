package org.patronijdbc.internal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Tells configurations with different passwords apart without keeping the passwords in map keys: a
 * keyed digest whose key is random per JVM, so the digest in a heap dump proves nothing about the
 * password.
 */
final class Secrets {

  private static final byte[] KEY = new SecureRandom().generateSeed(32);

  private Secrets() {}

  /** A digest of {@code secrets} in order; nulls count as absent. */
  static String digest(String... secrets) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(KEY, "HmacSHA256"));
      for (String secret : secrets) {
        mac.update(
            secret == null ? new byte[] {0} : ("+" + secret).getBytes(StandardCharsets.UTF_8));
        mac.update((byte) 0xff);
      }
      return HexFormat.of().formatHex(mac.doFinal(), 0, 16);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
