package org.patronijdbc;

/**
 * One named change between two topology snapshots, part of a {@link TopologyChange}.
 *
 * @param kind what changed
 * @param member the member concerned (the new leader for {@link Kind#LEADER_CHANGED}; empty when
 *     there is none)
 * @param detail a short human-readable description, e.g. {@code leader n1 -> n2}
 */
public record TopologyEvent(Kind kind, String member, String detail) {

  /** What changed. */
  public enum Kind {
    /** A different member (or none) holds the leader key. */
    LEADER_CHANGED,
    /** Patroni reports a member it did not report before. */
    MEMBER_ADDED,
    /** Patroni no longer reports a member. */
    MEMBER_REMOVED,
    /**
     * A member can no longer serve its role, whatever a data source's lag limit: it stopped
     * running, its lag became unknown, it fell behind the leader's timeline, or it was tagged
     * {@code noloadbalance}.
     */
    MEMBER_UNFIT,
    /** A member can serve its role again. */
    MEMBER_FIT,
    /** The leader's timeline changed (a promotion happened). */
    TIMELINE_CHANGED
  }
}
