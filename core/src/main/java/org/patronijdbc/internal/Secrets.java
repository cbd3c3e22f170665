package org.patronijdbc.internal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Tells configurations with different passwords apart without keeping the passwords in map keys: a
 * keyed digest whose key is random per JVM, so the digest in a heap dump proves nothing about the
 * password.
 */
public final class Secrets {

  private static final byte[] KEY = new SecureRandom().generateSeed(32);

  private Secrets() {}

  /**
   * A map key for a driver URL and its properties that holds no password: the URL with passwords
   * masked, the properties without any whose name contains "password", and a digest of the whole,
   * so that another password still gives another key.
   */
  public static Object keyWithoutSecrets(String url, Properties info) {
    Map<String, String> visible = new TreeMap<>();
    List<String> all = new ArrayList<>();
    all.add(url);
    if (info != null) {
      for (String name : new TreeSet<>(info.stringPropertyNames())) {
        String value = info.getProperty(name);
        all.add(name + "=" + value);
        if (!name.toLowerCase(Locale.ROOT).contains("password")) {
          visible.put(name, value);
        }
      }
    }
    return List.of(Errors.mask(url), visible, digest(all.toArray(String[]::new)));
  }

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
