package org.patronijdbc.internal;

import java.util.Optional;
import java.util.OptionalLong;
import org.patronijdbc.routing.TargetServerType;
import org.patronijdbc.topology.ClusterMember;
import org.patronijdbc.topology.ClusterTopology;
import org.patronijdbc.topology.MemberRole;

/**
 * The one rule for "may member M serve writes, or replica reads, in topology T, and if not, why".
 * The router, the topology events and both Hikari pools ask here and nowhere else, as pgjdbc's
 * {@code HostRequirement.allowConnectingTo} owns its rule. Pure: no I/O.
 */
public final class Fitness {

  private Fitness() {}

  /**
   * Why {@code m} cannot take writes in {@code topology}, or empty: it must be the one running
   * leader.
   */
  public static Optional<String> whyNotWritable(ClusterMember m, ClusterTopology topology) {
    if (m.role() != MemberRole.LEADER) {
      return Optional.of(role(m));
    }
    if (!m.isRunning()) {
      return Optional.of("leader in state " + m.state());
    }
    return topology.leader().isPresent() ? Optional.empty() : Optional.of("leader is ambiguous");
  }

  /**
   * Why {@code m} cannot serve replica reads in {@code topology}, or empty. A standby must run,
   * carry no {@code noloadbalance} tag, report a known lag (the larger of Patroni's {@code lag} and
   * {@code replay_lag}) within {@code maxLagBytes}, and report a timeline not older than the newest
   * leader timeline seen ({@link ClusterTopology#leaderTimeline()}): a replica on an older one (or
   * reporting none while the leader's is known) may receive nothing from the leader, whatever its
   * lag says. Under a lag limit the lag must come from Patroni's current answer: not from a probe,
   * nor from a snapshot no REST API has confirmed lately ({@link ClusterTopology.Source#CACHED}).
   *
   * @param maxLagBytes the lag limit; empty for none
   */
  public static Optional<String> whyNotReadable(
      ClusterMember m, ClusterTopology topology, OptionalLong maxLagBytes) {
    if (!m.role().isStandby() && m.role() != MemberRole.STANDBY_LEADER) {
      return Optional.of(role(m));
    }
    if (!m.isRunning()) {
      return Optional.of("state " + m.state());
    }
    if (m.isNoLoadBalance()) {
      return Optional.of("tagged noloadbalance");
    }
    if (!m.role().isStandby()) {
      return Optional.empty(); // a standby leader replays from outside: no lag to compare
    }
    if (m.lagBytes().isEmpty()) {
      return Optional.of("lag unknown");
    }
    if (maxLagBytes.isPresent() && topology.source() == ClusterTopology.Source.PROBE) {
      // probing PostgreSQL tells the role, not the lag: never staler than asked
      return Optional.of("lag unknown without Patroni, and maxReplicationLag is set");
    }
    if (maxLagBytes.isPresent() && topology.source() == ClusterTopology.Source.CACHED) {
      return Optional.of(
          "lag no longer known: no Patroni REST API has answered since "
              + topology.observedAt()
              + ", and maxReplicationLag is set");
    }
    long newest = topology.leaderTimeline();
    if (m.timeline() < 0 && newest >= 0) {
      // a replica following no leader yet (no WAL receiver) may report none: it may be on an
      // older timeline, receiving nothing, however small its lag
      return Optional.of("timeline unknown");
    }
    if (m.timeline() >= 0 && newest >= 0 && m.timeline() < newest) {
      return Optional.of(
          "on timeline " + m.timeline() + ", behind the leader's timeline " + newest);
    }
    long lag = m.lagBytes().getAsLong();
    if (maxLagBytes.isPresent() && lag > maxLagBytes.getAsLong()) {
      return Optional.of(
          "lag " + lag + " bytes > maxReplicationLag " + maxLagBytes.getAsLong() + " bytes");
    }
    return Optional.empty();
  }

  /**
   * Why {@code m} cannot serve reads of {@code type} ({@link TargetServerType#isReplicaRead()}), or
   * empty: {@link #whyNotReadable}, and for {@link TargetServerType#SYNC_REPLICA} a synchronous
   * (or, on Patroni 4, quorum) standby.
   */
  public static Optional<String> whyNotReadable(
      TargetServerType type, ClusterMember m, ClusterTopology topology, OptionalLong maxLagBytes) {
    Optional<String> why = whyNotReadable(m, topology, maxLagBytes);
    if (why.isEmpty()
        && type == TargetServerType.SYNC_REPLICA
        && m.role() != MemberRole.SYNC_STANDBY
        && m.role() != MemberRole.QUORUM_STANDBY) {
      return Optional.of("not a synchronous standby");
    }
    return why;
  }

  private static String role(ClusterMember m) {
    return switch (m.role()) {
      case LEADER -> "leader";
      case STANDBY_LEADER -> "standby leader (read-only)";
      case SYNC_STANDBY, QUORUM_STANDBY, REPLICA -> "replica";
      case UNKNOWN -> "role unknown";
    };
  }
}
