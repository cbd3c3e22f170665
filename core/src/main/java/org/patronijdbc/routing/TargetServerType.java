package org.patronijdbc.routing;

import java.sql.SQLException;
import java.util.Locale;
import java.util.Map;
import org.patronijdbc.PatroniProperty;
import org.patronijdbc.internal.SqlState;

/** Which members a connection may go to; the {@code targetServerType} property. */
public enum TargetServerType {
  /** The leader only. */
  PRIMARY("primary"),
  /** Fit replicas; the leader only through {@code readFallbackToPrimary}. */
  REPLICA("replica"),
  /** Fit replicas, else the leader. */
  PREFER_REPLICA("preferReplica"),
  /** The leader, else fit replicas. */
  PREFER_PRIMARY("preferPrimary"),
  /** Any fit member. */
  ANY("any"),
  /** Fit synchronous standbys; the leader only through {@code readFallbackToPrimary}. */
  SYNC_REPLICA("syncReplica");

  private static final Map<String, TargetServerType> SPELLINGS =
      Map.ofEntries(
          Map.entry("primary", PRIMARY),
          Map.entry("master", PRIMARY),
          Map.entry("read-write", PRIMARY),
          Map.entry("replica", REPLICA),
          Map.entry("secondary", REPLICA),
          Map.entry("slave", REPLICA),
          Map.entry("standby", REPLICA),
          Map.entry("read-only", REPLICA),
          Map.entry("preferreplica", PREFER_REPLICA),
          Map.entry("prefersecondary", PREFER_REPLICA),
          Map.entry("prefer-standby", PREFER_REPLICA),
          Map.entry("preferprimary", PREFER_PRIMARY),
          Map.entry("prefer-primary", PREFER_PRIMARY),
          Map.entry("any", ANY),
          Map.entry("syncreplica", SYNC_REPLICA));

  private final String spelling;

  TargetServerType(String spelling) {
    this.spelling = spelling;
  }

  /**
   * Parses patroni-jdbc's, pgjdbc's and libpq's spellings, case-insensitively.
   *
   * @throws SQLException 22023 listing the accepted values
   */
  public static TargetServerType fromString(String value) throws SQLException {
    TargetServerType type =
        value == null ? null : SPELLINGS.get(value.trim().toLowerCase(Locale.ROOT));
    if (type == null) {
      throw SqlState.badValue(
          PatroniProperty.TARGET_SERVER_TYPE.getName(),
          value,
          String.join(", ", PatroniProperty.TARGET_SERVER_TYPE.getChoices())
              + " (or pgjdbc's master, secondary, preferSecondary, or libpq's read-write,"
              + " read-only, standby, prefer-standby)");
    }
    return type;
  }

  /** Whether this type is for reads that replicas serve (and the read-only user applies). */
  public boolean isReplicaRead() {
    return this == REPLICA || this == PREFER_REPLICA || this == SYNC_REPLICA;
  }

  /**
   * Whether connections of this type are read-only ({@code readOnly()}, {@code syncReplica}): the
   * leader fallback's too. {@code preferReplica} connections are not, they may be meant to write.
   */
  public boolean isReadOnly() {
    return this == REPLICA || this == SYNC_REPLICA;
  }

  @Override
  public String toString() {
    return spelling;
  }
}
