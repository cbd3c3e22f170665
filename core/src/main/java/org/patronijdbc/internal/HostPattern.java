package org.patronijdbc.internal;

import java.math.BigInteger;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.patronijdbc.PatroniProperty;

/**
 * One {@code memberHosts} entry: a host name, a {@code *.suffix} wildcard (subdomains only), or a
 * CIDR range of IPv4 or IPv6 addresses.
 */
final class HostPattern {

  private static final Pattern CIDR = Pattern.compile("([0-9A-Fa-f:.]+)/(\\d{1,3})");

  private final String name;
  private final String suffix;
  private final byte[] network;
  private final int prefix;

  private HostPattern(String name, String suffix, byte[] network, int prefix) {
    this.name = name;
    this.suffix = suffix;
    this.network = network;
    this.prefix = prefix;
  }

  /**
   * Checks a {@code memberHosts} value, comma-separated entries.
   *
   * @throws SQLException 22023 naming the entry that is none of these
   */
  static List<String> parse(String value) throws SQLException {
    List<String> entries = new ArrayList<>();
    if (value == null || value.isBlank()) {
      return entries;
    }
    for (String raw : value.split(",")) {
      String entry = raw.trim().toLowerCase(Locale.ROOT);
      try {
        of(entry);
      } catch (IllegalArgumentException e) {
        throw SqlState.badValue(
            PatroniProperty.MEMBER_HOSTS.getName(),
            value,
            "host names, *.suffix wildcards or CIDR ranges (127.0.0.0/8), comma-separated: "
                + e.getMessage());
      }
      entries.add(entry);
    }
    return entries;
  }

  /**
   * The pattern {@code entry} writes.
   *
   * @throws IllegalArgumentException when it is none
   */
  static HostPattern of(String entry) {
    Matcher cidr = CIDR.matcher(entry);
    if (cidr.matches()) {
      byte[] network = HostNames.literal(cidr.group(1));
      int prefix = Integer.parseInt(cidr.group(2));
      if (network == null || prefix > network.length * 8) {
        throw new IllegalArgumentException("'" + entry + "' is not a CIDR range");
      }
      return new HostPattern(null, null, network, prefix);
    }
    if (entry.startsWith("*.") && HostNames.isValid(entry.substring(2))) {
      return new HostPattern(null, entry.substring(1), null, 0);
    }
    if (HostNames.isValid(entry)) {
      return new HostPattern(HostNames.canonical(entry), null, null, 0);
    }
    throw new IllegalArgumentException("'" + entry + "' is not a host name, *.suffix or CIDR");
  }

  /**
   * Whether {@code host} (canonical, {@link HostNames#canonical}) matches; {@code address} is its
   * bytes when it is an IP literal, else null.
   */
  boolean matches(String host, byte[] address) {
    if (name != null) {
      return host.equals(name);
    }
    if (suffix != null) {
      return host.endsWith(suffix) && host.length() > suffix.length();
    }
    if (address == null || address.length != network.length) {
      return false;
    }
    BigInteger mask =
        BigInteger.ONE
            .shiftLeft(prefix)
            .subtract(BigInteger.ONE)
            .shiftLeft(network.length * 8 - prefix);
    return new BigInteger(1, address).and(mask).equals(new BigInteger(1, network).and(mask));
  }
}
