package org.patronijdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.patronijdbc.topology.ClusterMember;
import org.patronijdbc.topology.ClusterTopology;
import org.patronijdbc.topology.MemberRole;

/** The acceptance rule, with time as a parameter: no threads, no sleeps, no server. */
class AcceptanceTest {

  private static final long S = TimeUnit.SECONDS.toNanos(1);

  private static ClusterMember member(String name, MemberRole role, long timeline) {
    return new ClusterMember(
        name,
        role,
        "running",
        "127.0.0.1",
        5432 + name.charAt(1),
        timeline,
        role == MemberRole.LEADER ? OptionalLong.empty() : OptionalLong.of(0),
        Map.of(),
        "");
  }

  /** An answer of scope {@code scope}: {@code leader} on {@code timeline}, the others replicas. */
  private static ClusterTopology answer(
      String scope, String leader, long timeline, String... replicas) {
    List<ClusterMember> members = new ArrayList<>();
    members.add(member(leader, MemberRole.LEADER, timeline));
    for (String r : replicas) {
      members.add(member(r, MemberRole.REPLICA, timeline));
    }
    return new ClusterTopology(scope, members, Instant.now(), ClusterTopology.Source.PATRONI);
  }

  private static Acceptance.State taken(Acceptance.Verdict v) {
    assertThat(v.refused()).isEmpty();
    assertThat(v.published()).isPresent();
    return v.next();
  }

  @Test
  void followsTheFirstAnswersScopeAndRefusesAnotherClusters() {
    Acceptance.State s = Acceptance.State.initial("");
    s = taken(Acceptance.accept(s, answer("a", "n1", 1, "n2"), 0));
    Acceptance.Verdict other = Acceptance.accept(s, answer("b", "n1", 1, "n2"), S);

    assertThat(s.scope()).isEqualTo("a");
    assertThat(other.refused()).hasValueSatisfying(w -> assertThat(w).contains("'b'"));
    assertThat(other.next().current()).isSameAs(s.current());
  }

  @Test
  void aPinnedScopeRefusesEvenTheFirstAnswerOfAnother() {
    Acceptance.Verdict v =
        Acceptance.accept(Acceptance.State.initial("a"), answer("b", "n1", 1), 0);

    assertThat(v.refused()).isPresent();
    assertThat(v.next().current()).isNull();
  }

  @Test
  void anOlderTimelineIsRefusedAndANewerOneTakenBackAndForth() {
    Acceptance.State s =
        taken(Acceptance.accept(Acceptance.State.initial(""), answer("a", "n1", 3, "n2"), 0));
    // a stale member still names the old leader on timeline 2; the newer member's answer wins
    ClusterTopology stale = answer("a", "n2", 2, "n1");
    List<ClusterMember> mixed = new ArrayList<>(stale.members());
    mixed.set(1, member("n1", MemberRole.REPLICA, 3));
    Acceptance.Verdict old =
        Acceptance.accept(
            s, new ClusterTopology("a", mixed, Instant.now(), ClusterTopology.Source.PATRONI), S);
    assertThat(old.refused()).hasValueSatisfying(w -> assertThat(w).contains("timeline 2"));
    s = old.next();
    s = taken(Acceptance.accept(s, answer("a", "n1", 3, "n2"), 2 * S));
    s = taken(Acceptance.accept(s, answer("a", "n2", 4, "n1"), 3 * S));

    assertThat(s.leaderTimeline()).isEqualTo(4);
    assertThat(s.current().leaderTimeline()).isEqualTo(4);
    assertThat(Acceptance.accept(s, answer("a", "n1", 3, "n2"), 4 * S).refused()).isPresent();
  }

  @Test
  void aReBootstrappedClusterOnALowerTimelineIsTakenOnceEveryAnswerSaysSoForLongEnough() {
    Acceptance.State s =
        taken(Acceptance.accept(Acceptance.State.initial(""), answer("a", "n1", 7, "n2"), 0));
    long after = Acceptance.REBOOTSTRAP_AFTER.toNanos();
    long t = S;
    Acceptance.Verdict v = Acceptance.accept(s, answer("a", "n1", 1, "n2"), t);
    assertThat(v.refused()).isPresent();
    v = Acceptance.accept(v.next(), answer("a", "n1", 1, "n2"), t + after / 2);
    assertThat(v.refused()).isPresent();
    v = Acceptance.accept(v.next(), answer("a", "n1", 1, "n2"), t + after);

    assertThat(v.refused()).isEmpty();
    assertThat(v.warning()).contains("re-bootstrapped");
    assertThat(v.next().leaderTimeline()).isEqualTo(1);
    assertThat(v.published().get().leaderTimeline()).isEqualTo(1);
  }

  @Test
  void aLowerTimelineStartsOverWhenAnAnswerOnTheNewestOneComesBetween() {
    Acceptance.State s =
        taken(Acceptance.accept(Acceptance.State.initial(""), answer("a", "n1", 7, "n2"), 0));
    long after = Acceptance.REBOOTSTRAP_AFTER.toNanos();
    Acceptance.Verdict v = Acceptance.accept(s, answer("a", "n1", 1, "n2"), S);
    s = taken(Acceptance.accept(v.next(), answer("a", "n1", 7, "n2"), 2 * S));
    v = Acceptance.accept(s, answer("a", "n1", 1, "n2"), 3 * S);
    v = Acceptance.accept(v.next(), answer("a", "n1", 1, "n2"), S + after);

    assertThat(v.refused()).isPresent(); // only (after - 2 s) of consistent answers so far
  }

  @Test
  void aMemberMissingFromOneAnswerIsKeptAndDroppedWhenTheNextLacksItToo() {
    Acceptance.State s =
        taken(Acceptance.accept(Acceptance.State.initial(""), answer("a", "n1", 1, "n2", "n3"), 0));
    s = taken(Acceptance.accept(s, answer("a", "n1", 1, "n2"), S));
    assertThat(s.current().member("n3")).isPresent();

    Acceptance.State back = taken(Acceptance.accept(s, answer("a", "n1", 1, "n2", "n3"), 2 * S));
    assertThat(back.current().member("n3")).isPresent();
    assertThat(back.missing()).isEmpty();

    Acceptance.State gone = taken(Acceptance.accept(s, answer("a", "n1", 1, "n2"), 2 * S));
    assertThat(gone.current().member("n3")).isEmpty();
  }

  @Test
  void aLeaderMissingFromOneAnswerKeepsItsRoleUnlessTheAnswerNamesAnother() {
    Acceptance.State s =
        taken(Acceptance.accept(Acceptance.State.initial(""), answer("a", "n1", 1, "n2", "n3"), 0));
    ClusterTopology noLeader =
        new ClusterTopology(
            "a",
            List.of(member("n2", MemberRole.REPLICA, 1), member("n3", MemberRole.REPLICA, 1)),
            Instant.now(),
            ClusterTopology.Source.PATRONI);
    Acceptance.State kept = taken(Acceptance.accept(s, noLeader, S));
    assertThat(kept.current().leader().map(ClusterMember::name)).hasValue("n1");

    Acceptance.State moved = taken(Acceptance.accept(s, answer("a", "n2", 2, "n3"), S));
    assertThat(moved.current().leader().map(ClusterMember::name)).hasValue("n2");
    assertThat(moved.current().member("n1").map(ClusterMember::role)).hasValue(MemberRole.UNKNOWN);
  }

  @Test
  void theLastAnswerIsPublishedAsCachedOnceOlderThanTheBound() {
    Acceptance.State s =
        taken(Acceptance.accept(Acceptance.State.initial(""), answer("a", "n1", 1, "n2"), 10 * S));
    long bound = 5 * S;

    assertThat(Acceptance.age(s, 10 * S + bound, bound)).isEmpty();
    Acceptance.State aged = Acceptance.age(s, 10 * S + bound + 1, bound).orElseThrow();
    assertThat(aged.current().source()).isEqualTo(ClusterTopology.Source.CACHED);
    assertThat(aged.current().members()).isEqualTo(s.current().members());
    assertThat(Acceptance.age(aged, 100 * S, bound)).as("once only").isEmpty();

    Acceptance.State fresh = taken(Acceptance.accept(aged, answer("a", "n1", 1, "n2"), 100 * S));
    assertThat(fresh.current().source()).isEqualTo(ClusterTopology.Source.PATRONI);
  }
}
