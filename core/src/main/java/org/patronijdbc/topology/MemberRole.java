package org.patronijdbc.topology;

import java.util.Locale;

/** A member's role as Patroni reports it, across Patroni 3.x and 4.x spellings. */
public enum MemberRole {
  /**
   * Holds the leader key: the primary ({@code leader}; {@code master}/{@code primary} in /patroni).
   */
  LEADER,
  /** Leader of a standby cluster: read-only. */
  STANDBY_LEADER,
  /** A synchronous standby. */
  SYNC_STANDBY,
  /** A quorum standby (Patroni 4.x quorum commit). */
  QUORUM_STANDBY,
  /** An asynchronous standby. */
  REPLICA,
  /** Anything else Patroni may report (e.g. {@code uninitialized}, {@code demoted}). */
  UNKNOWN;

  /** Maps Patroni's spelling; unknown spellings give {@link #UNKNOWN}. */
  public static MemberRole fromPatroni(String role) {
    if (role == null) {
      return UNKNOWN;
    }
    return switch (role.toLowerCase(Locale.ROOT)) {
      case "leader", "master", "primary" -> LEADER;
      case "standby_leader" -> STANDBY_LEADER;
      case "sync_standby" -> SYNC_STANDBY;
      case "quorum_standby" -> QUORUM_STANDBY;
      case "replica" -> REPLICA;
      default -> UNKNOWN;
    };
  }

  /** Whether a member in this role replays WAL from the leader and can serve reads. */
  public boolean isStandby() {
    return this == SYNC_STANDBY || this == QUORUM_STANDBY || this == REPLICA;
  }
}
