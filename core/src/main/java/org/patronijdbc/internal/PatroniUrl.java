package org.patronijdbc.internal;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.patronijdbc.PatroniProperty;

/**
 * Reads a {@code jdbc:patroni:postgresql://} URL: checked before pgjdbc's parser sees it (which
 * logs a URL it finds odd, whole), with every parameter whose name holds "password" kept out of it,
 * then its hosts and the REST endpoints they imply.
 */
final class PatroniUrl {

  private static final String PREFIX = "jdbc:patroni:postgresql://";
  private static final Pattern ENDPOINT = Pattern.compile("(https?)://[^/?#@\\s]+:(\\d{1,5})");

  private PatroniUrl() {}

  /**
   * What {@code url} and {@code info} say, as pgjdbc's parser reads them ({@code PGHOST}, {@code
   * PGPORT}, {@code PGDBNAME} and every parameter; URL parameters win over {@code info}), the URL
   * checked first so that pgjdbc, which logs a URL it finds odd, never sees a secret.
   *
   * @throws SQLException 22023 for a malformed URL
   */
  static Properties properties(String url, Properties info) throws SQLException {
    String prefix = PREFIX;
    if (url == null || !url.startsWith(prefix)) {
      throw SqlState.malformedUrl(url, "it must start with jdbc:patroni:postgresql://");
    }
    String rest = url.substring(prefix.length());
    if (hasUserInfo(rest)) {
      // pgjdbc would read app:secret@h1 as host and port, and echo the password in its message
      throw SqlState.malformedUrl(
          url, "user:password@ is not supported; set the user and password properties");
    }
    int path = rest.indexOf('/');
    int query = rest.indexOf('?');
    if (path < 0 || (query >= 0 && query < path)) {
      throw SqlState.malformedUrl(url, "it needs /database after the hosts");
    }
    // pgjdbc logs a URL it finds odd at WARNING, whole: it never sees a secret
    Properties secrets = new Properties();
    String pgUrl = "jdbc:postgresql://" + withoutSecrets(rest, secrets);
    Properties parsed;
    try {
      parsed = org.postgresql.Driver.parseURL(pgUrl, info == null ? new Properties() : info);
    } catch (RuntimeException e) {
      parsed = null;
    }
    if (parsed == null) {
      throw SqlState.malformedUrl(url, "pgjdbc cannot parse it");
    }
    parsed.putAll(secrets); // URL parameters win over the given properties, as in pgjdbc
    return parsed;
  }

  /** Whether the authority holds user-info; a password may hold '/', '?', '#' or '@'. */
  private static boolean hasUserInfo(String afterSlashes) {
    int query = indexOfAny(afterSlashes, "?#");
    int path = afterSlashes.indexOf('/');
    return afterSlashes.substring(0, query < 0 ? afterSlashes.length() : query).contains("@")
        || afterSlashes.substring(0, path < 0 ? afterSlashes.length() : path).contains("@");
  }

  private static int indexOfAny(String s, String chars) {
    for (int i = 0; i < s.length(); i++) {
      if (chars.indexOf(s.charAt(i)) >= 0) {
        return i;
      }
    }
    return -1;
  }

  /**
   * {@code rest} without the query parameters whose name holds "password" (any case, URL-decoded),
   * which go to {@code secrets}, decoded as pgjdbc decodes values.
   */
  private static String withoutSecrets(String rest, Properties secrets) throws SQLException {
    int q = rest.indexOf('?');
    if (q < 0) {
      return rest;
    }
    StringBuilder kept = new StringBuilder(rest.substring(0, q));
    String sep = "?";
    for (String pair : rest.substring(q + 1).split("&")) {
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq));
      if (name.toLowerCase(Locale.ROOT).contains("password")) {
        secrets.setProperty(name, eq < 0 ? "" : decode(pair.substring(eq + 1)));
      } else if (!pair.isEmpty()) {
        kept.append(sep).append(pair);
        sep = "&";
      }
    }
    return kept.toString();
  }

  private static String decode(String s) throws SQLException {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw SqlState.INVALID_PARAMETER.exception(
          "Malformed URL: a parameter is not URL-encoded properly (a '%' not followed by two hex"
              + " digits)");
    }
  }

  static List<String> hosts(Properties all, String redactedUrl) throws SQLException {
    String[] hosts = all.getProperty("PGHOST", "").split(",", -1);
    String[] ports = all.getProperty("PGPORT", "").split(",", -1);
    if (hosts.length != ports.length) {
      throw SqlState.malformedUrl(redactedUrl, "hosts and ports do not pair up");
    }
    List<String> result = new ArrayList<>();
    for (int i = 0; i < hosts.length; i++) {
      String host = hosts[i].trim().replace("%25", "%"); // an IPv6 zone, URL-encoded (RFC 6874)
      if (!HostNames.isValid(host)) {
        throw SqlState.malformedUrl(redactedUrl, "'" + host + "' is not a host name or address");
      }
      int port;
      try {
        port = Integer.parseInt(ports[i].trim());
      } catch (NumberFormatException e) {
        port = -1;
      }
      if (port < 1 || port > 65535) {
        throw SqlState.malformedUrl(redactedUrl, "'" + ports[i] + "' is not a port (1-65535)");
      }
      result.add(host + ":" + port);
    }
    return result;
  }

  static List<String> endpoints(Properties all, List<String> hosts, RestSecurity security)
      throws SQLException {
    String explicit = PatroniProperty.PATRONI_URLS.get(all);
    Set<String> endpoints = new LinkedHashSet<>();
    if (explicit != null && !explicit.isBlank()) {
      for (String raw : explicit.split(",")) {
        String endpoint = raw.trim().replaceAll("/+$", "");
        Matcher m = ENDPOINT.matcher(endpoint);
        if (!m.matches() || !isPort(m.group(2))) {
          throw SqlState.badValue(
              PatroniProperty.PATRONI_URLS.getName(),
              explicit,
              "http(s)://host:port[,http(s)://host:port...]");
        }
        if (security.usesTls() && m.group(1).equals("http")) {
          throw SqlState.badValue(
              PatroniProperty.PATRONI_URLS.getName(),
              explicit,
              "https:// endpoints only, because REST API TLS is configured (never plain HTTP)");
        }
        endpoints.add(endpoint);
      }
      return checkBasicOverHttps(List.copyOf(endpoints), security);
    }
    int port = PatroniProperty.PATRONI_PORT.getPositiveInt(all);
    if (port > 65535) {
      throw SqlState.badValue(
          PatroniProperty.PATRONI_PORT.getName(), String.valueOf(port), "a port (1-65535)");
    }
    String scheme = security.usesTls() ? "https" : "http";
    for (String host : hosts) {
      endpoints.add(scheme + "://" + host.substring(0, host.lastIndexOf(':')) + ":" + port);
    }
    return checkBasicOverHttps(List.copyOf(endpoints), security);
  }

  static boolean isPort(String digits) {
    int port = Integer.parseInt(digits);
    return port >= 1 && port <= 65535;
  }

  /** Basic credentials over plain HTTP would go to anyone on the path: refused, not skipped. */
  private static List<String> checkBasicOverHttps(List<String> endpoints, RestSecurity security)
      throws SQLException {
    if (security.user() != null && endpoints.stream().anyMatch(e -> !e.startsWith("https://"))) {
      throw SqlState.badValue(
          PatroniProperty.PATRONI_USER.getName(),
          security.user(),
          "https REST endpoints: Basic credentials need https (patroniUrls=https://... or"
              + " patroniSslRootCert), they are never sent over plain HTTP");
    }
    return endpoints;
  }
}
