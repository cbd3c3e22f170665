package org.patronijdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.patronijdbc.routing.TargetServerType;
import org.patronijdbc.topology.ClusterMember;
import org.patronijdbc.topology.ClusterTopology;
import org.patronijdbc.topology.MemberRole;

class FitnessTest {

  private static final OptionalLong NO_LIMIT = OptionalLong.empty();

  private static ClusterMember member(
      String name, MemberRole role, long timeline, Long lag, Map<String, String> tags) {
    return new ClusterMember(
        name,
        role,
        "streaming",
        "127.0.0.1",
        5432,
        timeline,
        lag == null ? OptionalLong.empty() : OptionalLong.of(lag),
        tags,
        "");
  }

  private static ClusterTopology topology(ClusterMember... members) {
    return new ClusterTopology(
        "demo", List.of(members), Instant.now(), ClusterTopology.Source.PATRONI);
  }

  private static final ClusterMember LEADER = member("n1", MemberRole.LEADER, 4, null, Map.of());

  @Test
  void aReplicaOnAnOlderTimelineThanTheLeaderServesNoReadsWhateverItsLag() {
    ClusterMember stuck = member("n2", MemberRole.REPLICA, 3, 56L, Map.of());
    ClusterMember current = member("n3", MemberRole.REPLICA, 4, 56L, Map.of());
    ClusterTopology t = topology(LEADER, stuck, current);

    assertThat(Fitness.whyNotReadable(stuck, t, NO_LIMIT))
        .hasValueSatisfying(why -> assertThat(why).contains("timeline 3").contains("timeline 4"));
    assertThat(Fitness.whyNotReadable(current, t, NO_LIMIT)).isEmpty();
  }

  @Test
  void lagPastTheLimitUnknownLagAndNoLoadBalanceAreUnfit() {
    ClusterMember lagging = member("n2", MemberRole.REPLICA, 4, 2048L, Map.of());
    ClusterMember unknown = member("n3", MemberRole.REPLICA, 4, null, Map.of());
    ClusterMember tagged = member("n4", MemberRole.REPLICA, 4, 0L, Map.of("noloadbalance", "1"));
    ClusterTopology t = topology(LEADER, lagging, unknown, tagged);

    assertThat(Fitness.whyNotReadable(lagging, t, OptionalLong.of(1024))).isPresent();
    assertThat(Fitness.whyNotReadable(lagging, t, OptionalLong.of(2048))).isEmpty();
    assertThat(Fitness.whyNotReadable(unknown, t, NO_LIMIT)).contains("lag unknown");
    assertThat(Fitness.whyNotReadable(tagged, t, NO_LIMIT)).contains("tagged noloadbalance");
  }

  @Test
  void syncReplicaReadsTakeSynchronousAndQuorumStandbysOnly() {
    ClusterMember sync = member("n2", MemberRole.SYNC_STANDBY, 4, 0L, Map.of());
    ClusterMember quorum = member("n3", MemberRole.QUORUM_STANDBY, 4, 0L, Map.of());
    ClusterMember async = member("n4", MemberRole.REPLICA, 4, 0L, Map.of());
    ClusterTopology t = topology(LEADER, sync, quorum, async);

    assertThat(Fitness.whyNotReadable(TargetServerType.SYNC_REPLICA, sync, t, NO_LIMIT)).isEmpty();
    assertThat(Fitness.whyNotReadable(TargetServerType.SYNC_REPLICA, quorum, t, NO_LIMIT))
        .isEmpty();
    assertThat(Fitness.whyNotReadable(TargetServerType.SYNC_REPLICA, async, t, NO_LIMIT))
        .contains("not a synchronous standby");
  }

  @Test
  void onlyTheOneRunningLeaderIsWritable() {
    ClusterMember replica = member("n2", MemberRole.REPLICA, 4, 0L, Map.of());
    assertThat(Fitness.whyNotWritable(LEADER, topology(LEADER, replica))).isEmpty();
    assertThat(Fitness.whyNotWritable(replica, topology(LEADER, replica))).contains("replica");
  }

  @Test
  void aProbedReplicaServesNoReadsWhenALagLimitIsSet() {
    ClusterMember probed = member("h2:5432", MemberRole.REPLICA, -1, 0L, Map.of());
    ClusterTopology t =
        new ClusterTopology(
            "",
            List.of(member("h1:5432", MemberRole.LEADER, -1, 0L, Map.of()), probed),
            Instant.now(),
            ClusterTopology.Source.PROBE);

    assertThat(Fitness.whyNotReadable(probed, t, OptionalLong.of(1 << 20))).isPresent();
    assertThat(Fitness.whyNotReadable(probed, t, NO_LIMIT)).isEmpty();
  }

  @Test
  void underALagLimitACachedSnapshotsReplicasServeNoReadsWithoutOneTheyDo() {
    ClusterMember replica = member("n2", MemberRole.REPLICA, 4, 0L, Map.of());
    ClusterTopology cached =
        new ClusterTopology(
            "demo", List.of(LEADER, replica), Instant.now(), ClusterTopology.Source.CACHED, 4);

    assertThat(Fitness.whyNotReadable(replica, cached, OptionalLong.of(1 << 20)))
        .hasValueSatisfying(why -> assertThat(why).contains("no longer known"));
    assertThat(Fitness.whyNotReadable(replica, cached, NO_LIMIT)).isEmpty();
  }

  @Test
  void aReplicaBehindTheNewestLeaderTimelineSeenServesNoReadsFromTheMomentItIsSeen() {
    // right after a promotion: the old timeline's replica reports lag 0, Patroni measuring it
    // against a position that has not moved yet
    ClusterMember promoted = member("n2", MemberRole.LEADER, 5, null, Map.of());
    ClusterMember behind = member("n3", MemberRole.REPLICA, 4, 0L, Map.of());
    ClusterTopology t = topology(promoted, behind);

    assertThat(t.leaderTimeline()).isEqualTo(5);
    assertThat(Fitness.whyNotReadable(behind, t, NO_LIMIT)).isPresent();
  }

  @Test
  void aReplicaThatReportsNoTimelineServesNoReadsWhileTheLeadersIsKnown() {
    // seen in CI right after a switchover: between two answers reporting it on the old timeline,
    // one answer gave the old timeline's replica (no WAL receiver yet) no timeline at all, lag 0
    ClusterMember promoted = member("n1", MemberRole.LEADER, 5, null, Map.of());
    ClusterMember silent = member("n2", MemberRole.REPLICA, -1, 0L, Map.of());
    ClusterTopology t = topology(promoted, silent);

    assertThat(Fitness.whyNotReadable(silent, t, NO_LIMIT)).contains("timeline unknown");
    // with no leader timeline known either there is nothing to compare with
    ClusterMember leaderWithout = member("n1", MemberRole.LEADER, -1, null, Map.of());
    assertThat(Fitness.whyNotReadable(silent, topology(leaderWithout, silent), NO_LIMIT)).isEmpty();
  }

  @Test
  void aReplicaInArchiveRecoveryRunsAndServesReads() {
    ClusterMember archive =
        new ClusterMember(
            "n2",
            MemberRole.REPLICA,
            "in archive recovery",
            "127.0.0.1",
            5432,
            4,
            OptionalLong.of(0),
            Map.of(),
            "");

    assertThat(archive.isRunning()).isTrue();
    assertThat(Fitness.whyNotReadable(archive, topology(LEADER, archive), NO_LIMIT)).isEmpty();
  }
}
