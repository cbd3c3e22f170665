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
 * Keeps secrets out of messages, log lines and map keys: {@link #mask} is the one masking function
 * every message and log line that shows a URL or a value goes through; {@link #keyWithoutSecrets}
 * tells configurations with different passwords apart by a keyed digest whose key is random per
 * JVM, so the digest in a heap dump proves nothing about the password.
 */
public final class Secrets {

  private static final byte[] KEY = new SecureRandom().generateSeed(32);

  private Secrets() {}

  /**
   * {@code text} with every secret masked, masking too much rather than too little:
   *
   * <ul>
   *   <li>the value of every {@code key=value} whose key (URL-decoded, any case) contains {@code
   *       password} ({@code password}, {@code sslpassword}, {@code patroniPassword}, {@code
   *       readOnlyPassword}, ...), up to the next {@code &} or whitespace, so values holding {@code
   *       ,} {@code ;} {@code %xx} or {@code =} are masked whole;
   *   <li>the password of URL user-info ({@code postgresql://app:secret@h1}): everything from the
   *       first {@code :} after {@code ://} up to the last {@code @} before the next whitespace,
   *       whatever characters lie between ({@code ?}, {@code /}, {@code #}, {@code @}).
   * </ul>
   */
  public static String mask(String text) {
    if (text == null) {
      return "null";
    }
    return maskUserInfo(maskParameters(text));
  }

  private static String maskParameters(String text) {
    StringBuilder out = new StringBuilder(text.length());
    int copied = 0;
    for (int eq = text.indexOf('='); eq >= 0; eq = text.indexOf('=', eq + 1)) {
      if (eq < copied) {
        continue; // inside a value already masked
      }
      int keyStart = eq;
      while (keyStart > 0 && "?&;,{( \t\n\r\"'".indexOf(text.charAt(keyStart - 1)) < 0) {
        keyStart--;
      }
      String key = decode(text.substring(keyStart, eq)).toLowerCase(Locale.ROOT);
      if (!key.contains("password")) {
        continue;
      }
      int end = eq + 1;
      while (end < text.length() && "& \t\n\r".indexOf(text.charAt(end)) < 0) {
        end++;
      }
      out.append(text, copied, eq + 1).append("***");
      copied = end;
    }
    return out.append(text.substring(copied)).toString();
  }

  private static String maskUserInfo(String text) {
    StringBuilder out = new StringBuilder(text.length());
    int from = 0;
    int scheme;
    while ((scheme = text.indexOf("://", from)) >= 0) {
      int start = scheme + 3;
      int end = start;
      while (end < text.length() && !Character.isWhitespace(text.charAt(end))) {
        end++;
      }
      int at = text.lastIndexOf('@', end - 1);
      int colon = text.indexOf(':', start);
      out.append(text, from, start);
      if (at >= start && colon >= start && colon < at) {
        out.append(text, start, colon + 1).append("***"); // the user name stays
        from = at;
      } else {
        from = start;
      }
    }
    return out.append(text.substring(from)).toString();
  }

  /** {@code %xx} sequences decoded; anything that is not one stays as it is. */
  private static String decode(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length() && isHex(s.charAt(i + 1)) && isHex(s.charAt(i + 2))) {
        out.append((char) Integer.parseInt(s.substring(i + 1, i + 3), 16));
        i += 2;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static boolean isHex(char c) {
    return Character.digit(c, 16) >= 0;
  }

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
    return List.of(mask(url), visible, digest(all.toArray(String[]::new)));
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
