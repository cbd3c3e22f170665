package org.patronijdbc.topology;

import java.util.Map;
import java.util.OptionalLong;

/**
 * One member of the cluster as Patroni reported it.
 *
 * @param name the Patroni member name
 * @param role the role
 * @param state Patroni's state ({@code running}, {@code streaming}, {@code stopped}, ...)
 * @param host the PostgreSQL host
 * @param port the PostgreSQL port
 * @param timeline the timeline, or -1 when not reported
 * @param lagBytes replication lag in bytes: the larger of Patroni's {@code lag} and (Patroni 4.1+)
 *     {@code replay_lag}; empty when not reported or {@code "unknown"}
 * @param tags the member's Patroni tags, values as strings
 * @param apiUrl the member's REST API base URL ({@code http://host:8008}), or empty when unknown
 * @param receiveLsn the WAL position a replica has received (Patroni 4.1+ {@code receive_lsn}),
 *     empty when not reported
 * @param replayLsn the WAL position a replica has replayed (Patroni 4.1+ {@code replay_lsn}), empty
 *     when not reported
 */
public record ClusterMember(
    String name,
    MemberRole role,
    String state,
    String host,
    int port,
    long timeline,
    OptionalLong lagBytes,
    Map<String, String> tags,
    String apiUrl,
    OptionalLong receiveLsn,
    OptionalLong replayLsn) {

  /** Creates a member; the tags are copied. */
  public ClusterMember {
    tags = Map.copyOf(tags);
  }

  /** A member whose WAL positions are not reported (Patroni before 4.1). */
  public ClusterMember(
      String name,
      MemberRole role,
      String state,
      String host,
      int port,
      long timeline,
      OptionalLong lagBytes,
      Map<String, String> tags,
      String apiUrl) {
    this(
        name,
        role,
        state,
        host,
        port,
        timeline,
        lagBytes,
        tags,
        apiUrl,
        OptionalLong.empty(),
        OptionalLong.empty());
  }

  /**
   * Whether PostgreSQL runs there: {@code running} (Patroni 3.0.2), {@code streaming} (3.0.4+), or
   * {@code in archive recovery} (a replica replaying from the archive, 3.0.4+). Patroni's other
   * states ({@code starting}, {@code stopping}, {@code stopped}, {@code crashed}, {@code start
   * failed}, ...) are not.
   */
  public boolean isRunning() {
    return "running".equals(state)
        || "streaming".equals(state)
        || "in archive recovery".equals(state);
  }

  /**
   * Whether the member carries Patroni's {@code noloadbalance} tag (no replica reads). Patroni
   * reads it as Python's {@code bool(value)} and drops the tag when that is false, so any value
   * present counts ({@code true}, {@code 1}, {@code "yes"}); {@code ClusterJsonReader} drops the
   * false ones ({@code false}, {@code 0}, {@code ""}, {@code null}) as Patroni does.
   */
  public boolean isNoLoadBalance() {
    return tags.containsKey("noloadbalance");
  }

  /** {@code host:port} of PostgreSQL, an IPv6 host in brackets. */
  public String address() {
    return (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
  }
}
