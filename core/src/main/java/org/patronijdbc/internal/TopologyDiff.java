package org.patronijdbc.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.patronijdbc.TopologyChange;
import org.patronijdbc.TopologyEvent;
import org.patronijdbc.topology.ClusterMember;
import org.patronijdbc.topology.ClusterTopology;
import org.patronijdbc.topology.MemberRole;

/** Turns two topology snapshots into the {@link TopologyChange} between them. */
final class TopologyDiff {

  private TopologyDiff() {}

  /**
   * The change from {@code previous} (null for none) to {@code current}, or empty when Patroni
   * reported exactly the same (only the time of reading differs).
   */
  public static Optional<TopologyChange> between(
      ClusterTopology previous, ClusterTopology current) {
    if (previous != null
        && previous.members().equals(current.members())
        && previous.scope().equals(current.scope())
        && previous.leaderTimeline() == current.leaderTimeline()
        && previous.source() == current.source()) {
      return Optional.empty();
    }
    return Optional.of(new TopologyChange(previous, current, events(previous, current)));
  }

  private static List<TopologyEvent> events(ClusterTopology previous, ClusterTopology current) {
    List<TopologyEvent> events = new ArrayList<>();
    String oldLeader =
        previous == null ? "" : previous.leader().map(ClusterMember::name).orElse("");
    String newLeader = current.leader().map(ClusterMember::name).orElse("");
    if (!oldLeader.equals(newLeader)) {
      events.add(
          new TopologyEvent(
              TopologyEvent.Kind.LEADER_CHANGED,
              newLeader,
              "leader " + or(oldLeader, "none") + " -> " + or(newLeader, "none")));
    }
    if (previous == null) {
      return events;
    }
    for (ClusterMember m : current.members()) {
      Optional<ClusterMember> before = previous.member(m.name());
      if (before.isEmpty()) {
        events.add(
            new TopologyEvent(
                TopologyEvent.Kind.MEMBER_ADDED, m.name(), "member " + m.name() + " added"));
        continue;
      }
      Optional<String> wasUnfit = whyUnfit(before.get(), previous);
      Optional<String> isUnfit = whyUnfit(m, current);
      if (wasUnfit.isPresent() != isUnfit.isPresent()) {
        events.add(
            isUnfit.isEmpty()
                ? new TopologyEvent(
                    TopologyEvent.Kind.MEMBER_FIT, m.name(), "member " + m.name() + " fit")
                : new TopologyEvent(
                    TopologyEvent.Kind.MEMBER_UNFIT,
                    m.name(),
                    "member " + m.name() + " unfit (" + isUnfit.get() + ")"));
      }
    }
    for (ClusterMember m : previous.members()) {
      if (current.member(m.name()).isEmpty()) {
        events.add(
            new TopologyEvent(
                TopologyEvent.Kind.MEMBER_REMOVED, m.name(), "member " + m.name() + " removed"));
      }
    }
    long oldTimeline = previous.leader().map(ClusterMember::timeline).orElse(-1L);
    long newTimeline = current.leader().map(ClusterMember::timeline).orElse(-1L);
    if (oldTimeline >= 0 && newTimeline >= 0 && oldTimeline != newTimeline) {
      events.add(
          new TopologyEvent(
              TopologyEvent.Kind.TIMELINE_CHANGED,
              newLeader,
              "timeline " + oldTimeline + " -> " + newTimeline));
    }
    return events;
  }

  /** Unfit for its role whatever a data source's lag limit: {@link Fitness}, without a limit. */
  private static Optional<String> whyUnfit(ClusterMember m, ClusterTopology t) {
    return m.role() == MemberRole.LEADER
        ? Fitness.whyNotWritable(m, t)
        : Fitness.whyNotReadable(m, t, OptionalLong.empty());
  }

  private static String or(String value, String otherwise) {
    return value.isEmpty() ? otherwise : value;
  }
}
