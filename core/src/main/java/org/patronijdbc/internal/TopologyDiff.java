package org.patronijdbc.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.patronijdbc.TopologyEvent;
import org.patronijdbc.topology.ClusterMember;
import org.patronijdbc.topology.ClusterTopology;

/** Turns two topology snapshots into the {@link TopologyEvent}s between them. */
public final class TopologyDiff {

  private TopologyDiff() {}

  /** The events between {@code previous} (null for none) and {@code current}. */
  public static List<TopologyEvent> between(ClusterTopology previous, ClusterTopology current) {
    List<TopologyEvent> events = new ArrayList<>();
    String oldLeader =
        previous == null ? "" : previous.leader().map(ClusterMember::name).orElse("");
    String newLeader = current.leader().map(ClusterMember::name).orElse("");
    if (!oldLeader.equals(newLeader)) {
      events.add(
          new TopologyEvent(
              TopologyEvent.Kind.LEADER_CHANGED,
              newLeader,
              "leader " + or(oldLeader, "none") + " -> " + or(newLeader, "none"),
              previous,
              current));
    }
    if (previous == null) {
      return events;
    }
    for (ClusterMember m : current.members()) {
      Optional<ClusterMember> before = previous.member(m.name());
      if (before.isEmpty()) {
        events.add(
            new TopologyEvent(
                TopologyEvent.Kind.MEMBER_ADDED,
                m.name(),
                "member " + m.name() + " added",
                previous,
                current));
      } else if (isFit(before.get()) != isFit(m)) {
        TopologyEvent.Kind kind =
            isFit(m) ? TopologyEvent.Kind.MEMBER_FIT : TopologyEvent.Kind.MEMBER_UNFIT;
        String state = m.state() + (m.lagBytes().isPresent() ? "" : ", lag unknown");
        events.add(
            new TopologyEvent(
                kind,
                m.name(),
                "member " + m.name() + (isFit(m) ? " fit" : " unfit") + " (" + state + ")",
                previous,
                current));
      }
    }
    for (ClusterMember m : previous.members()) {
      if (current.member(m.name()).isEmpty()) {
        events.add(
            new TopologyEvent(
                TopologyEvent.Kind.MEMBER_REMOVED,
                m.name(),
                "member " + m.name() + " removed",
                previous,
                current));
      }
    }
    long oldTimeline = previous.leader().map(ClusterMember::timeline).orElse(-1L);
    long newTimeline = current.leader().map(ClusterMember::timeline).orElse(-1L);
    if (oldTimeline >= 0 && newTimeline >= 0 && oldTimeline != newTimeline) {
      events.add(
          new TopologyEvent(
              TopologyEvent.Kind.TIMELINE_CHANGED,
              newLeader,
              "timeline " + oldTimeline + " -> " + newTimeline,
              previous,
              current));
    }
    return events;
  }

  /**
   * Fit in general (not against any data source's lag limit): running, and lag known on standbys.
   */
  private static boolean isFit(ClusterMember m) {
    return m.isRunning() && (!m.role().isStandby() || m.lagBytes().isPresent());
  }

  private static String or(String value, String otherwise) {
    return Objects.requireNonNullElse(value, "").isEmpty() ? otherwise : value;
  }
}
