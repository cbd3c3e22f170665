package org.patronijdbc.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What counts as a host name or address patroni-jdbc will connect to: names as PostgreSQL and
 * Patroni take them (underscores included, as Docker Compose names services {@code pg_1}), IPv4,
 * and IPv6 with or without brackets and a zone ({@code fe80::1%eth0}).
 */
final class HostNames {

  private static final Pattern HOST =
      Pattern.compile(
          "[A-Za-z0-9_]([A-Za-z0-9_.\\-]{0,252})"
              + "|\\[?[0-9A-Fa-f:.]{2,45}(%[A-Za-z0-9_.\\-]{1,64})?]?");

  private HostNames() {}

  static boolean isValid(String host) {
    return host != null && HOST.matcher(host).matches();
  }

  /** A host as compared: an IP literal in the JDK's one spelling, a name in lower case. */
  static String canonical(String host) {
    byte[] address = literal(host);
    if (address == null) {
      return host(host);
    }
    try {
      return InetAddress.getByAddress(address).getHostAddress();
    } catch (UnknownHostException e) {
      return host(host);
    }
  }

  /** A host in lower case, an IPv6 literal without brackets. */
  static String host(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
  }

  /** The bytes of an IP literal, or null when it is not one (never a DNS lookup). */
  static byte[] literal(String text) {
    String t = host(text);
    int zone = t.indexOf('%');
    if (zone >= 0) {
      t = t.substring(0, zone);
    }
    boolean v4 = t.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    boolean v6 = t.contains(":") && t.matches("[0-9a-f:.]+");
    if (!v4 && !v6) {
      return null;
    }
    try {
      return InetAddress.getByName(t).getAddress(); // a literal: parsed, not looked up
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
