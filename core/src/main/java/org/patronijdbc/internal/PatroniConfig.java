package org.patronijdbc.internal;

import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Properties;
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
 * @param memberHosts hosts besides the URL's that members may be on ({@code memberHosts})
 * @param memberAddresses where to reach members: member name or reported host:port to host:port
 * @param readYourWrites which commits replica reads must see
 * @param readYourWritesTimeoutMs how long a read waits for a replica that has replayed them
 * @param url the URL as the application wrote it, secrets masked ({@code getMetaData().getURL()})
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
    String patroniScope,
    List<String> memberHosts,
    Map<String, String> memberAddresses,
    ReadYourWrites.Scope readYourWrites,
    int readYourWritesTimeoutMs,
    String url) {

  /** The prefix every patroni-jdbc URL starts with. */
  public static final String URL_PREFIX = "jdbc:patroni:";

  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|kB|KB|MB|GB)?");

  /** Copies the pgjdbc properties so nobody outside can change them. */
  public PatroniConfig {
    hosts = List.copyOf(hosts);
    memberHosts = List.copyOf(memberHosts);
    memberAddresses = Map.copyOf(memberAddresses);
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
    return fromProperties(PatroniUrl.properties(url, info), redact(url));
  }

  private static PatroniConfig fromProperties(Properties all, String redactedUrl)
      throws SQLException {
    List<String> hosts = PatroniUrl.hosts(all, redactedUrl);
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
        PatroniUrl.endpoints(all, hosts, security),
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
        Objects.requireNonNullElse(PatroniProperty.PATRONI_SCOPE.get(all), "").trim(),
        HostPattern.parse(PatroniProperty.MEMBER_HOSTS.get(all)),
        memberAddresses(PatroniProperty.MEMBER_ADDRESSES.get(all)),
        readYourWrites(PatroniProperty.READ_YOUR_WRITES.get(all)),
        PatroniProperty.READ_YOUR_WRITES_TIMEOUT_MS.getPositiveInt(all),
        redactedUrl);
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
    try {
      return OptionalLong.of(Math.multiplyExact(number, factor));
    } catch (ArithmeticException e) {
      throw SqlState.badValue(
          PatroniProperty.MAX_REPLICATION_LAG.getName(), value, "a size below 8 EB");
    }
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
    return connectionProperties(type, false);
  }

  /**
   * As {@link #connectionProperties(TargetServerType)}, for a member reached through an address the
   * user gave ({@code redirected}): a proxy there, such as PgBouncer, takes no {@code options} and
   * may share server sessions, so read-only connections are made read-only per transaction
   * (pgjdbc's {@code readOnlyMode=transaction}: {@code BEGIN READ ONLY}) instead.
   */
  public Properties connectionProperties(TargetServerType type, boolean redirected) {
    Properties props = new Properties();
    props.putAll(pgProperties);
    if (type.isReadOnly() && redirected) {
      props.putIfAbsent("readOnlyMode", "transaction");
    } else if (type.isReadOnly()) {
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

  private static ReadYourWrites.Scope readYourWrites(String value) throws SQLException {
    for (ReadYourWrites.Scope scope : ReadYourWrites.Scope.values()) {
      if (scope.spelling().equalsIgnoreCase(value.trim())) {
        return scope;
      }
    }
    throw SqlState.badValue(
        PatroniProperty.READ_YOUR_WRITES.getName(), value, "off, thread or dataSource");
  }

  /**
   * Parses {@code memberAddresses}: {@code key=host:port} pairs, comma-separated, the key a member
   * name or a {@code host:port} Patroni reports.
   *
   * @throws SQLException 22023 naming the pair that is not one
   */
  static Map<String, String> memberAddresses(String value) throws SQLException {
    Map<String, String> map = new LinkedHashMap<>();
    if (value == null || value.isBlank()) {
      return map;
    }
    for (String pair : value.split(",")) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? "" : pair.substring(0, eq).trim();
      String target = eq < 0 ? "" : pair.substring(eq + 1).trim();
      int colon = target.lastIndexOf(':');
      boolean ok =
          !key.isEmpty()
              && colon > 0
              && HostNames.isValid(target.substring(0, colon))
              && target.substring(colon + 1).matches("\\d{1,5}")
              && PatroniUrl.isPort(target.substring(colon + 1));
      if (!ok) {
        throw SqlState.badValue(
            PatroniProperty.MEMBER_ADDRESSES.getName(),
            value,
            "memberName=host:port or reportedHost:port=host:port pairs, comma-separated ('"
                + pair.trim()
                + "' is not one)");
      }
      map.put(key, target);
    }
    return map;
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
