package org.patronijdbc.testkit;

import java.util.Map;
import java.util.Optional;

/**
 * One cluster member as Patroni reported it in {@code GET /cluster} at the moment it was read.
 *
 * @param name the Patroni member name ({@code n1}, {@code n2}, ...)
 * @param host the address PostgreSQL and the REST API listen on (always on 127.0.0.0/8)
 * @param pgPort the PostgreSQL port
 * @param restPort the Patroni REST API port
 * @param restUrl the base URL of the member's REST API ({@code http://127.0.0.1:8008}, or https)
 * @param role the role exactly as Patroni reports it ({@code leader}, {@code replica}, {@code
 *     sync_standby}, ...), or {@code absent} when the member is not in the DCS
 * @param state the state as Patroni reports it ({@code running}, {@code streaming}, {@code
 *     stopped}, ...)
 * @param timeline the PostgreSQL timeline, or -1 when Patroni reported none
 * @param lag replication lag in bytes; empty for the leader and when Patroni reports {@code
 *     "unknown"}
 * @param tags the member's Patroni tags
 */
public record Member(
    String name,
    String host,
    int pgPort,
    int restPort,
    String restUrl,
    String role,
    String state,
    long timeline,
    Optional<Long> lag,
    Map<String, Object> tags) {

  /** Creates a member; the tags are copied. */
  public Member {
    tags = Map.copyOf(tags);
  }

  /** Returns whether Patroni reports this member as the leader (the primary). */
  public boolean isLeader() {
    return "leader".equals(role);
  }

  /** Returns whether Patroni reports this member as a standby of the leader. */
  public boolean isReplica() {
    return "replica".equals(role) || "sync_standby".equals(role) || "quorum_standby".equals(role);
  }

  /** Returns whether PostgreSQL on this member is up as far as Patroni knows. */
  public boolean isRunning() {
    return "running".equals(state) || "streaming".equals(state);
  }
}
