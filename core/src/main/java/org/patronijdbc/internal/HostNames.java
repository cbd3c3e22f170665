package org.patronijdbc.internal;

import java.util.regex.Pattern;

/** What counts as a host name or address patroni-jdbc will connect to. */
final class HostNames {

  private static final Pattern HOST =
      Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.\\-]{0,252})|\\[?[0-9A-Fa-f:.]{2,45}]?");

  private HostNames() {}

  static boolean isValid(String host) {
    return host != null && HOST.matcher(host).matches();
  }
}
