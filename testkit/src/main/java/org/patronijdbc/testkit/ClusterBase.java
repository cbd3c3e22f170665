package org.patronijdbc.testkit;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What both kinds of cluster do the same way: read Patroni's view, switch over, and wait for a
 * leader or for health. A kind supplies the view and the state of its members.
 */
abstract class ClusterBase implements PatroniCluster {

  private static final Logger log = LoggerFactory.getLogger(PatroniCluster.class);
  static final Duration START_TIMEOUT = Duration.ofSeconds(120);
  static final Duration ACTION_TIMEOUT = Duration.ofSeconds(90);

  /**
   * How long {@link #awaitHealthy} lets a member become a caught-up replica on its own before it is
   * reinitialized from the leader.
   */
  static final Duration HEAL_AFTER = Duration.ofSeconds(45);

  final ClusterSettings settings;
  final String scope;
  PatroniRest rest = new PatroniRest();
  private final Thread shutdownHook = new Thread(this::destroy, "patroni-testkit-shutdown");

  ClusterBase(ClusterSettings settings, String scope) {
    this.settings = settings;
    this.scope = scope;
  }

  /**
   * {@code GET /cluster} from the first member that answers (healthy ones first), with the
   * addresses this JVM reaches the members at.
   */
  abstract Optional<List<Member>> view();

  /** The names of every member this cluster started, stopped ones included. */
  abstract Set<String> memberNames();

  /** Whether the member was stopped on purpose (it is not expected to run). */
  abstract boolean isStopped(String member);

  /** Whether the member is frozen, paused or cut off on purpose (a reinit would not help). */
  abstract boolean isImpaired(String member);

  /** Each member's PostgreSQL address ({@code host:port}) as this JVM reaches it, in order. */
  abstract List<String> postgresAddresses();

  /** Each member's REST API base URL as this JVM reaches it, in order. */
  abstract List<String> restUrls();

  /**
   * URL parameters the library needs besides the REST URLs: TLS files, the hosts Patroni reports
   * members on; none by default.
   */
  List<String> restParameters() {
    return List.of();
  }

  /** Throws when a member's Patroni is gone though it was not stopped. */
  abstract void failIfAMemberDied();

  /** The last lines of the member's Patroni log. */
  abstract String logTail(String member);

  /** Stops and removes everything the cluster runs; idempotent. */
  abstract void destroy();

  /** Makes the JVM's exit {@link #destroy} the cluster, unless it was closed before. */
  void closeOnExit() {
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  @Override
  public void close() {
    destroy();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException alreadyShuttingDown) {
      // the hook itself is running: nothing to remove
    }
  }

  @Override
  public String scope() {
    return scope;
  }

  @Override
  public String jdbcUrl(String database, String... params) {
    List<String> all = new ArrayList<>();
    all.add("patroniUrls=" + String.join(",", restUrls()));
    all.addAll(restParameters());
    all.addAll(List.of(params));
    return "jdbc:patroni:" + hosts(database) + "?" + String.join("&", all);
  }

  @Override
  public String multiHostJdbcUrl(String database, String... params) {
    String url = "jdbc:" + hosts(database);
    return params.length == 0 ? url : url + "?" + String.join("&", params);
  }

  private String hosts(String database) {
    return "postgresql://" + String.join(",", postgresAddresses()) + "/" + database;
  }

  @Override
  public List<Member> members() {
    return view()
        .orElseThrow(() -> new IllegalStateException(scope + ": no Patroni REST API answered"));
  }

  @Override
  public Member switchover(Member candidate) {
    Member leader = leader();
    String answer = rest.switchover(leader.restUrl(), leader.name(), candidate.name());
    log.info("{} - switchover {} -> {}: {}", scope, leader.name(), candidate.name(), answer);
    return awaitLeader(m -> m.name().equals(candidate.name()), candidate.name(), ACTION_TIMEOUT);
  }

  @Override
  public void awaitHealthy(Duration timeout) {
    long started = System.nanoTime();
    long deadline = started + timeout.toNanos();
    long healAt = started + HEAL_AFTER.toNanos();
    String last = "no answer yet";
    while (true) {
      failIfAMemberDied();
      Optional<List<Member>> view = view();
      if (view.isPresent()) {
        Optional<String> problem = healthProblem(view.get());
        if (problem.isEmpty()) {
          return;
        }
        last = problem.get() + " in " + view.get();
        if (System.nanoTime() > healAt) {
          reinitializeStuckMembers(view.get());
          healAt = System.nanoTime() + HEAL_AFTER.toNanos(); // one reinit per member per wait
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(scope + ": not healthy after " + timeout + ": " + last);
      }
      Processes.sleep(Duration.ofMillis(200));
    }
  }

  /**
   * Reinitializes from the leader (as an operator would with {@code patronictl reinit}) each member
   * that has not become a running replica on the leader's timeline: stuck in {@code starting} or
   * {@code start failed}, or left on an older timeline replaying nothing (seen after a freeze and
   * thaw on Patroni 4.0.7, and once after a leader crash on 3.0.2).
   */
  private void reinitializeStuckMembers(List<Member> view) {
    Optional<Member> leader =
        view.stream().filter(Member::isLeader).filter(Member::isRunning).findFirst();
    if (leader.isEmpty()) {
      return; // nothing to reinitialize from yet
    }
    for (Member m : view) {
      boolean stuck =
          !m.isLeader()
              && !isStopped(m.name())
              && !isImpaired(m.name())
              && (!m.isRunning() || (m.timeline() >= 0 && m.timeline() < leader.get().timeline()));
      if (stuck) {
        log.warn(
            "{} - {} is no caught-up replica after {} s (state {}, timeline {} vs the leader's"
                + " {}); reinitializing it from the leader: {}\n{}",
            scope,
            m.name(),
            HEAL_AFTER.toSeconds(),
            m.state(),
            m.timeline(),
            leader.get().timeline(),
            rest.reinitialize(m.restUrl()),
            logTail(m.name()));
      }
    }
  }

  @Override
  public Member awaitNewLeader(Member previous, Duration timeout) {
    return awaitLeader(
        m -> !m.name().equals(previous.name()), "a leader other than " + previous.name(), timeout);
  }

  /** Waits until a leader that {@code wanted} accepts serves writes, and returns it. */
  Member awaitLeader(Predicate<Member> wanted, String what, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "no answer yet";
    while (true) {
      failIfAMemberDied();
      Optional<List<Member>> view = view();
      Optional<Member> leader =
          view.flatMap(v -> v.stream().filter(m -> m.isLeader() && m.isRunning()).findFirst())
              .filter(wanted);
      if (leader.isPresent()) {
        try {
          if (!isInRecovery(leader.get())) {
            return leader.get();
          }
          last = leader.get().name() + " is leader in Patroni but still in recovery";
        } catch (SQLException e) {
          last =
              leader.get().name()
                  + " is leader in Patroni but does not answer SQL: "
                  + e.getMessage();
        }
      } else {
        last = view.map(Object::toString).orElse("no REST API answered");
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            scope + ": " + what + " did not become leader in " + timeout + ": " + last);
      }
      Processes.sleep(Duration.ofMillis(100));
    }
  }

  private Optional<String> healthProblem(List<Member> view) {
    Set<String> stopped = new HashSet<>();
    Set<String> expected = new HashSet<>();
    memberNames().forEach(n -> (isStopped(n) ? stopped : expected).add(n));
    return ClusterHealth.problem(view, expected, stopped, settings.synchronousRole());
  }
}
