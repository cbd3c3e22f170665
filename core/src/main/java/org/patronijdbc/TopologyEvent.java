package org.patronijdbc;

import org.patronijdbc.topology.ClusterTopology;

/**
 * One change between two topology snapshots.
 *
 * @param kind what changed
 * @param member the member concerned (the new leader for {@link Kind#LEADER_CHANGED}; empty when
 *     there is none)
 * @param detail a short human-readable description, e.g. {@code leader n1 -> n2}
 * @param previous the snapshot before, or null for the first one
 * @param current the snapshot after
 */
public record TopologyEvent(
    Kind kind, String member, String detail, ClusterTopology previous, ClusterTopology current) {

  /** What changed. */
  public enum Kind {
    /** A different member (or none) holds the leader key. */
    LEADER_CHANGED,
    /** Patroni reports a member it did not report before. */
    MEMBER_ADDED,
    /** Patroni no longer reports a member. */
    MEMBER_REMOVED,
    /** A member stopped running, or its lag became unknown. */
    MEMBER_UNFIT,
    /** A member runs again with a known lag. */
    MEMBER_FIT,
    /** The leader's timeline changed (a promotion happened). */
    TIMELINE_CHANGED
  }
}
