package org.patronijdbc.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.patronijdbc.topology.ClusterMember;
import org.patronijdbc.topology.ClusterTopology;
import org.patronijdbc.topology.MemberRole;

/**
 * Which answers of Patroni's REST API the monitor takes, and what it publishes: one pure function
 * of (the state so far, an answer, now), with time as a parameter (as OkHttp's {@code
 * RealConnectionPool.cleanup(long now)}), so every rule is tested without threads or sleeps.
 *
 * <ul>
 *   <li><b>Scope.</b> An answer from another Patroni cluster is refused; the first answer's scope
 *       is followed unless {@code patroniScope} names one.
 *   <li><b>Timeline.</b> An answer naming a leader on an older timeline than one already accepted
 *       is refused (a stale or split view), unless every member reports the lower timeline
 *       consistently for {@link #REBOOTSTRAP_AFTER}: a cluster re-bootstrapped from scratch, taken
 *       with a warning.
 *   <li><b>Hosts.</b> A member on a host the configuration does not allow ({@link MemberTrust}) is
 *       left out, and listed in the snapshot's {@code refused}.
 *   <li><b>Members.</b> A member missing from one answer is kept as it was; it is dropped when the
 *       next answer lacks it too. One odd answer does not abort every connection to a member.
 *   <li><b>Age.</b> Once no answer has come for {@code staleAfter}, the last snapshot is published
 *       again as {@link ClusterTopology.Source#CACHED}: roles as last reported, lag no longer
 *       known, so a lag limit keeps its replicas out of reads ({@link Fitness}).
 * </ul>
 */
final class Acceptance {

  /** How long a lower timeline must be reported consistently before it is taken. */
  static final Duration REBOOTSTRAP_AFTER = Duration.ofSeconds(30);

  private Acceptance() {}

  /**
   * What the monitor has accepted so far.
   *
   * @param current the snapshot published last, or null before the first
   * @param scope the scope followed, empty until known
   * @param leaderTimeline the newest leader timeline accepted, -1 before the first
   * @param lowerSinceNanos when answers began to report only a lower timeline; meaningful only
   *     while {@code lowerRunning}
   * @param lowerRunning whether every answer since {@code lowerSinceNanos} reported a lower
   *     timeline
   * @param missing members kept although the last answer lacked them
   * @param lastAnswerNanos when the last answer was accepted
   */
  record State(
      ClusterTopology current,
      String scope,
      long leaderTimeline,
      long lowerSinceNanos,
      boolean lowerRunning,
      Set<String> missing,
      long lastAnswerNanos) {

    State {
      missing = Set.copyOf(missing);
    }

    /** Before any answer, following {@code pinnedScope} (empty: the first answer's). */
    static State initial(String pinnedScope) {
      return new State(null, pinnedScope, -1, 0, false, Set.of(), 0);
    }
  }

  /**
   * The outcome of one answer.
   *
   * @param next the state after it
   * @param published the snapshot to publish, when the answer was taken
   * @param refused why the answer was refused, when it was
   * @param warning something to log once at WARN although the answer was taken
   */
  record Verdict(
      State next, Optional<ClusterTopology> published, Optional<String> refused, String warning) {}

  /** Takes or refuses {@code answer}, read at {@code nowNanos}, every member on an allowed host. */
  static Verdict accept(State state, ClusterTopology answer, long nowNanos) {
    return accept(state, answer, nowNanos, null);
  }

  /**
   * Takes or refuses {@code answer}, read at {@code nowNanos}; members {@code trust} refuses are
   * left out (null: none is).
   */
  static Verdict accept(State state, ClusterTopology answer, long nowNanos, MemberTrust trust) {
    List<String> refused = new ArrayList<>();
    if (trust != null) {
      List<ClusterMember> allowed = new ArrayList<>();
      for (ClusterMember m : answer.members()) {
        Optional<String> why = trust.whyRefused(m);
        if (why.isPresent()) {
          refused.add(m.name() + " at " + m.address() + ": " + why.get());
        } else {
          allowed.add(m);
        }
      }
      answer =
          new ClusterTopology(
              answer.scope(),
              allowed,
              answer.observedAt(),
              answer.source(),
              answer.leaderTimeline());
    }
    if (!state.scope().isEmpty()
        && !answer.scope().isEmpty()
        && !state.scope().equals(answer.scope())) {
      return refuse(
          state,
          "it is a member of cluster '"
              + answer.scope()
              + "', not '"
              + state.scope()
              + "' (set patroniScope, or patroniUrls, to the cluster you mean)");
    }
    long timeline = answer.leader().map(ClusterMember::timeline).orElse(-1L);
    String warning = null;
    long leaderTimeline = state.leaderTimeline();
    if (timeline >= 0 && timeline < leaderTimeline) {
      boolean consistent =
          answer.members().stream().allMatch(m -> m.timeline() < state.leaderTimeline());
      if (!consistent) {
        return refuse(
            new State(
                state.current(),
                state.scope(),
                leaderTimeline,
                0,
                false,
                state.missing(),
                state.lastAnswerNanos()),
            olderTimeline(answer, timeline, leaderTimeline));
      }
      long since = state.lowerRunning() ? state.lowerSinceNanos() : nowNanos;
      if (nowNanos - since < REBOOTSTRAP_AFTER.toNanos()) {
        return refuse(
            new State(
                state.current(),
                state.scope(),
                leaderTimeline,
                since,
                true,
                state.missing(),
                state.lastAnswerNanos()),
            olderTimeline(answer, timeline, leaderTimeline));
      }
      warning =
          "every member has reported timeline "
              + timeline
              + " or lower, below timeline "
              + leaderTimeline
              + " seen before, for "
              + REBOOTSTRAP_AFTER.toSeconds()
              + " s: taking it as a re-bootstrapped cluster";
      leaderTimeline = timeline;
    }
    leaderTimeline = Math.max(leaderTimeline, timeline);
    String scope = state.scope().isEmpty() ? answer.scope() : state.scope();

    List<ClusterMember> members = new ArrayList<>(answer.members());
    Set<String> missing = new HashSet<>();
    ClusterTopology previous = state.current();
    if (previous != null && previous.source() != ClusterTopology.Source.PROBE) {
      boolean answerHasLeader =
          answer.members().stream().anyMatch(m -> m.role() == MemberRole.LEADER);
      for (ClusterMember m : previous.members()) {
        if (answer.member(m.name()).isPresent() || state.missing().contains(m.name())) {
          continue; // present, or missing a second time: confirmed gone
        }
        missing.add(m.name());
        members.add(
            m.role() == MemberRole.LEADER && answerHasLeader ? withRole(m, MemberRole.UNKNOWN) : m);
      }
    }
    ClusterTopology published =
        new ClusterTopology(
            answer.scope().isEmpty() ? scope : answer.scope(),
            members,
            answer.observedAt(),
            ClusterTopology.Source.PATRONI,
            leaderTimeline,
            refused);
    State next = new State(published, scope, leaderTimeline, 0, false, missing, nowNanos);
    return new Verdict(next, Optional.of(published), Optional.empty(), warning);
  }

  /**
   * The last snapshot again as {@link ClusterTopology.Source#CACHED}, once no answer has been taken
   * for longer than {@code staleAfterNanos}; empty while it is younger, or already so.
   */
  static Optional<State> age(State state, long nowNanos, long staleAfterNanos) {
    ClusterTopology current = state.current();
    if (current == null
        || current.source() != ClusterTopology.Source.PATRONI
        || nowNanos - state.lastAnswerNanos() <= staleAfterNanos) {
      return Optional.empty();
    }
    ClusterTopology cached =
        new ClusterTopology(
            current.scope(),
            current.members(),
            current.observedAt(),
            ClusterTopology.Source.CACHED,
            current.leaderTimeline(),
            current.refused());
    return Optional.of(
        new State(
            cached,
            state.scope(),
            state.leaderTimeline(),
            state.lowerSinceNanos(),
            state.lowerRunning(),
            state.missing(),
            state.lastAnswerNanos()));
  }

  private static Verdict refuse(State state, String why) {
    return new Verdict(state, Optional.empty(), Optional.of(why), null);
  }

  private static String olderTimeline(ClusterTopology answer, long timeline, long newest) {
    return "it names leader "
        + answer.leader().map(ClusterMember::name).orElse("?")
        + " on timeline "
        + timeline
        + ", older than timeline "
        + newest
        + " seen before";
  }

  private static ClusterMember withRole(ClusterMember m, MemberRole role) {
    return new ClusterMember(
        m.name(),
        role,
        m.state(),
        m.host(),
        m.port(),
        m.timeline(),
        m.lagBytes(),
        m.tags(),
        m.apiUrl(),
        m.receiveLsn(),
        m.replayLsn());
  }
}
