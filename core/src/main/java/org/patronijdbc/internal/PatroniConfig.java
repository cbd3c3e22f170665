package org.patronijdbc.internal;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.patronijdbc.PatroniProperty;
import org.patronijdbc.routing.ReplicaSelection;
import org.patronijdbc.routing.TargetServerType;

/**
 * Everything a {@code jdbc:patroni:} URL and its properties say, checked and immutable.
 *
 * @param hosts the PostgreSQL {@code host:port} addresses the URL lists
 * @param database the database name
 * @param pgProperties what goes to pgjdbc: every property that is not ours, credentials included
 * @param endpoints the REST API base URLs to poll
 * @param security TLS and Basic settings for the REST API
 * @param patroniScope the cluster's scope the answers must carry; empty: the first answer's
 */
public record PatroniConfig(
    List<String> hosts,
    String database,
    Properties pgProperties,
    TargetServerType targetServerType,
    List<String> endpoints,
    RestSecurity security,
    int topologyRefreshMs,
    int patroniTimeoutMs,
    int failoverTimeoutMs,
    OptionalLong maxReplicationLagBytes,
    boolean readFallbackToPrimary,
    ReplicaSelection replicaSelection,
    boolean discoverMembers,
    String readOnlyUser,
    String readOnlyPassword,
    String patroniScope) {

  /** The prefix every patroni-jdbc URL starts with. */
  public static final String URL_PREFIX = "jdbc:patroni:";

  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|kB|KB|MB|GB)?");
  private static final Pattern ENDPOINT = Pattern.compile("(https?)://[^/?#@\\s]+:(\\d{1,5})");

  /** Copies the pgjdbc properties so nobody outside can change them. */
  public PatroniConfig {
    hosts = List.copyOf(hosts);
    endpoints = List.copyOf(endpoints);
    Properties copy = new Properties();
    copy.putAll(pgProperties);
    pgProperties = copy;
  }

  /**
   * Parses {@code url}; {@code info} supplies defaults that URL parameters override (as in pgjdbc).
   *
   * @throws SQLException 22023 for a malformed URL or a bad property value
   */
  public static PatroniConfig parse(String url, Properties info) throws SQLException {
    if (url == null || !url.startsWith(URL_PREFIX + "postgresql:")) {
      throw SqlState.malformedUrl(redact(url), "it must start with jdbc:patroni:postgresql://");
    }
    if (hasUserInfo(url)) {
      // pgjdbc would read app:secret@h1 as host and port, and echo the password in its message
      throw SqlState.malformedUrl(
          redact(url), "user:password@ is not supported; set the user and password properties");
    }
    String pgUrl = "jdbc:" + url.substring(URL_PREFIX.length());
    Properties parsed;
    try {
      parsed = org.postgresql.Driver.parseURL(pgUrl, info == null ? new Properties() : info);
    } catch (RuntimeException e) {
      parsed = null;
    }
    if (parsed == null || !pgUrl.startsWith("jdbc:postgresql://")) {
      throw SqlState.malformedUrl(redact(url), "pgjdbc cannot parse it");
    }
    return fromProperties(parsed, redact(url));
  }

  private static boolean hasUserInfo(String url) {
    int start = url.indexOf("//");
    if (start < 0) {
      return false;
    }
    int end = start + 2;
    // the host list ends at '/', but a password may hold one: look up to the query
    while (end < url.length() && "?#".indexOf(url.charAt(end)) < 0) {
      end++;
    }
    return url.substring(start + 2, end).contains("@");
  }

  private static PatroniConfig fromProperties(Properties all, String redactedUrl)
      throws SQLException {
    List<String> hosts = hosts(all, redactedUrl);
    String database = all.getProperty("PGDBNAME", "");
    Properties pg = new Properties();
    for (String key : all.stringPropertyNames()) {
      if (PatroniProperty.forName(key).isEmpty()
          && !key.equals("PGHOST")
          && !key.equals("PGPORT")) {
        pg.setProperty(key, all.getProperty(key));
      }
    }
    RestSecurity security =
        new RestSecurity(
            PatroniProperty.PATRONI_SSL_ROOT_CERT.get(all),
            PatroniProperty.PATRONI_SSL_CERT.get(all),
            PatroniProperty.PATRONI_SSL_KEY.get(all),
            PatroniProperty.PATRONI_USER.get(all),
            PatroniProperty.PATRONI_PASSWORD.get(all));
    security.validate();
    String readOnlyUser = PatroniProperty.READ_ONLY_USER.get(all);
    String readOnlyPassword = PatroniProperty.READ_ONLY_PASSWORD.get(all);
    if (readOnlyPassword != null && readOnlyUser == null) {
      throw SqlState.badValue(
          PatroniProperty.READ_ONLY_USER.getName(),
          null,
          "a user name when readOnlyPassword is set");
    }
    return new PatroniConfig(
        hosts,
        database,
        pg,
        TargetServerType.fromString(PatroniProperty.TARGET_SERVER_TYPE.get(all)),
        endpoints(all, hosts, security),
        security,
        PatroniProperty.TOPOLOGY_REFRESH_MS.getPositiveInt(all),
        PatroniProperty.PATRONI_TIMEOUT_MS.getPositiveInt(all),
        PatroniProperty.FAILOVER_TIMEOUT_MS.getPositiveInt(all),
        parseSize(PatroniProperty.MAX_REPLICATION_LAG.get(all)),
        PatroniProperty.READ_FALLBACK_TO_PRIMARY.getBoolean(all),
        ReplicaSelection.fromString(PatroniProperty.REPLICA_SELECTION.get(all)),
        PatroniProperty.DISCOVER_MEMBERS.getBoolean(all),
        readOnlyUser,
        readOnlyPassword,
        Objects.requireNonNullElse(PatroniProperty.PATRONI_SCOPE.get(all), "").trim());
  }

  private static List<String> hosts(Properties all, String redactedUrl) throws SQLException {
    String[] hosts = all.getProperty("PGHOST", "").split(",", -1);
    String[] ports = all.getProperty("PGPORT", "").split(",", -1);
    if (hosts.length != ports.length) {
      throw SqlState.malformedUrl(redactedUrl, "hosts and ports do not pair up");
    }
    List<String> result = new ArrayList<>();
    for (int i = 0; i < hosts.length; i++) {
      String host = hosts[i].trim();
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

  private static List<String> endpoints(Properties all, List<String> hosts, RestSecurity security)
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

  private static boolean isPort(String digits) {
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

  /**
   * Parses a size like Patroni's {@code ?lag=}: bytes, or a number with kB, MB or GB (1024-based).
   *
   * @throws SQLException 22023 for anything else
   */
  static OptionalLong parseSize(String value) throws SQLException {
    if (value == null || value.isBlank()) {
      return OptionalLong.empty();
    }
    Matcher m = SIZE.matcher(value.trim());
    if (!m.matches() || m.group(1).length() > 15) {
      throw SqlState.badValue(
          PatroniProperty.MAX_REPLICATION_LAG.getName(),
          value,
          "bytes, or a number with kB, MB or GB");
    }
    long number = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
    long factor =
        switch (unit) {
          case "KB" -> 1L << 10;
          case "MB" -> 1L << 20;
          case "GB" -> 1L << 30;
          default -> 1L;
        };
    return OptionalLong.of(number * factor);
  }

  /**
   * pgjdbc's properties for connections of {@code type}: for replica reads the read-only user, if
   * set. Connections of a read-only type ({@code readOnly()}, {@code syncReplica}) are read-only
   * from their login on, with no round trip: the session's {@code default_transaction_read_only} is
   * set in the startup packet ({@code options}, after the application's own), so every transaction
   * is read-only and a write fails (25006) on the leader fallback too; and pgjdbc's {@code
   * readOnlyMode=ignore} (unless set otherwise) makes {@code setReadOnly} cost nothing, as the
   * flips Spring's transaction managers and the pools make would otherwise each cost one.
   */
  public Properties connectionProperties(TargetServerType type) {
    Properties props = new Properties();
    props.putAll(pgProperties);
    if (type.isReadOnly()) {
      props.putIfAbsent("readOnlyMode", "ignore");
      String options = props.getProperty("options", "").trim();
      props.setProperty(
          "options",
          (options.isEmpty() ? "" : options + " ") + "-c default_transaction_read_only=on");
    }
    if (type.isReplicaRead() && readOnlyUser != null) {
      props.setProperty("user", readOnlyUser);
      if (readOnlyPassword != null) {
        props.setProperty("password", readOnlyPassword);
      } else {
        props.remove("password");
      }
    }
    return props;
  }

  /** A copy with another target server type (for {@code readOnly()} data sources). */
  public PatroniConfig withTargetServerType(TargetServerType type) {
    return new PatroniConfig(
        hosts,
        database,
        pgProperties,
        type,
        endpoints,
        security,
        topologyRefreshMs,
        patroniTimeoutMs,
        failoverTimeoutMs,
        maxReplicationLagBytes,
        readFallbackToPrimary,
        replicaSelection,
        discoverMembers,
        readOnlyUser,
        readOnlyPassword,
        patroniScope);
  }

  /** The URL with every password parameter and user-info password masked, fit for messages. */
  public static String redact(String url) {
    return Secrets.mask(url);
  }

  @Override
  public String toString() {
    return "PatroniConfig[hosts="
        + hosts
        + ", database="
        + database
        + ", targetServerType="
        + targetServerType
        + ", endpoints="
        + endpoints
        + ", user="
        + pgProperties.getProperty("user")
        + ", readOnlyUser="
        + readOnlyUser
        + "]";
  }
}
