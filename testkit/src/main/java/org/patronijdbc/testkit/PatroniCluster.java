package org.patronijdbc.testkit;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A real Patroni cluster for tests (one etcd and N Patroni members with PostgreSQL) and the faults
 * it can suffer. Two kinds run the same scenarios: {@link LocalPatroniCluster}, processes of the
 * installed Debian packages on 127.0.0.1 ({@link #builder()}{@code .start()}), and {@link
 * ContainerPatroniCluster}, Docker containers on a network of their own ({@link #builder()}{@code
 * .startInContainers()}), which can also cut the network ({@link #isolate}, {@link
 * #partitionFromClient}).
 *
 * <pre>{@code
 * try (PatroniCluster cluster = PatroniCluster.builder().members(3).start()) {
 *   Member leader = cluster.leader();
 *   cluster.switchover(cluster.replicas().get(0));
 * }
 * }</pre>
 *
 * <p>Every method that waits fails with an {@link IllegalStateException} holding the last view when
 * what it waits for does not happen in time; {@link #close()} leaves nothing running.
 */
public interface PatroniCluster extends AutoCloseable {

  /** The PostgreSQL superuser every member is bootstrapped with. */
  String SUPERUSER = "postgres";

  /** The password of {@link #SUPERUSER} (and of the replication and rewind users). */
  String PASSWORD = "testkit-secret";

  /** Returns a builder for a cluster of processes or of containers. */
  static PatroniClusterBuilder builder() {
    return new PatroniClusterBuilder();
  }

  // ---------------------------------------------------------------- queries

  /** The Patroni scope (cluster name), unique per cluster. */
  String scope();

  /**
   * The members as Patroni reports them now ({@code GET /cluster} from the first member that
   * answers), with the addresses this JVM reaches them at.
   *
   * @throws IllegalStateException when no member's REST API answers
   */
  List<Member> members();

  /**
   * The member Patroni reports as leader now.
   *
   * @throws IllegalStateException when there is none
   */
  default Member leader() {
    List<Member> members = members();
    return members.stream()
        .filter(Member::isLeader)
        .findFirst()
        .orElseThrow(
            () -> new IllegalStateException(scope() + ": no leader right now: " + members));
  }

  /** The members Patroni reports as replicas of the leader now. */
  default List<Member> replicas() {
    return members().stream().filter(Member::isReplica).toList();
  }

  /** The member called {@code name} as Patroni reports it now. */
  default Member member(String name) {
    List<Member> members = members();
    return members.stream()
        .filter(m -> m.name().equals(name))
        .findFirst()
        .orElseThrow(
            () -> new IllegalStateException(scope() + ": no member " + name + " in " + members));
  }

  /**
   * A {@code jdbc:patroni:postgresql://} URL naming every member's PostgreSQL address, with {@code
   * patroniUrls} naming every REST API, at addresses this JVM reaches.
   *
   * @param database the database name, e.g. {@code postgres}
   * @param params extra {@code key=value} URL parameters
   */
  String jdbcUrl(String database, String... params);

  /**
   * Spring Boot's {@code spring.datasource.url}, {@code .username} and {@code .password} for this
   * cluster ({@link #jdbcUrl} and the superuser), for a Spring test's
   * {@code @DynamicPropertySource}:
   *
   * <pre>{@code
   * static final PatroniCluster CLUSTER = PatroniCluster.builder().start();
   *
   * @DynamicPropertySource
   * static void cluster(DynamicPropertyRegistry registry) {
   *   CLUSTER.springBootProperties("postgres").forEach((k, v) -> registry.add(k, () -> v));
   * }
   * }</pre>
   *
   * A cluster held in a static field is stopped when the JVM exits, so it outlives the application
   * contexts Spring caches between test classes.
   */
  default Map<String, String> springBootProperties(String database, String... params) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("spring.datasource.url", jdbcUrl(database, params));
    p.put("spring.datasource.username", SUPERUSER);
    p.put("spring.datasource.password", PASSWORD);
    return p;
  }

  /**
   * A plain pgjdbc multi-host URL ({@code jdbc:postgresql://h1:p1,h2:p2/db}) for the same members.
   */
  String multiHostJdbcUrl(String database, String... params);

  /** Opens a plain pgjdbc connection to one member as {@link #SUPERUSER}, with short timeouts. */
  default Connection connect(Member member) throws SQLException {
    return MemberSql.connect(member);
  }

  /** {@code SELECT pg_is_in_recovery()} on the member itself: true on a standby. */
  default boolean isInRecovery(Member member) throws SQLException {
    return MemberSql.isInRecovery(member);
  }

  // ---------------------------------------------------------------- actions

  /**
   * Switches leadership to {@code candidate} through {@code POST /switchover} and waits until it
   * serves writes.
   *
   * @return the new leader
   */
  Member switchover(Member candidate);

  /**
   * SIGKILL of the member's postmaster and of all its PostgreSQL processes. Patroni survives and
   * reacts: with testkit's default {@code primaryStartTimeout(0)} a crashed leader fails over.
   */
  void crash(Member member);

  /**
   * The member's Patroni and PostgreSQL stop in their tracks (SIGSTOP, or {@code docker pause}): a
   * hung host. Its ports still accept connections, nothing answers.
   */
  void freeze(Member member);

  /** Undoes {@link #freeze}, {@link #freezePatroni} and {@link #pauseReplication} on the member. */
  void thaw(Member member);

  /** SIGSTOP of the member's Patroni only: its REST API goes silent, PostgreSQL keeps serving. */
  void freezePatroni(Member member);

  /** SIGCONT of the member's Patroni. */
  default void thawPatroni(Member member) {
    thaw(member);
  }

  /**
   * SIGSTOP of the member's walreceiver: it stops receiving WAL while Patroni and PostgreSQL keep
   * running, so the lag Patroni reports grows with every write on the leader. Undo with {@link
   * #resumeReplication} (or {@link #thaw}) well within {@code wal_sender_timeout} (60 s).
   */
  void pauseReplication(Member replica);

  /** SIGCONT of the member's walreceiver. */
  default void resumeReplication(Member replica) {
    thaw(replica);
  }

  /**
   * Sets a Patroni tag on {@code member} at run time (its configuration is rewritten and Patroni
   * reloads it), e.g. {@code setTag(m, "noloadbalance", true)}; a null {@code value} removes the
   * tag. Patroni publishes the new tags in /cluster on its next loop.
   */
  void setTag(Member member, String key, Object value);

  /** Stops the member's Patroni gracefully (it stops PostgreSQL and releases leadership). */
  void stop(Member member);

  /** Starts a stopped member's Patroni again; it rejoins as a replica. */
  void start(Member member);

  /**
   * Adds a new member to the running cluster and waits until it streams from the leader.
   *
   * @return the new member as Patroni reports it
   */
  Member addMember();

  /**
   * Cuts the member off from etcd and from the other members (those of this moment), both ways,
   * while this JVM's connections to it keep working: the leader on the wrong side of a partition.
   * Patroni on an isolated leader starts demoting it once it cannot reach etcd (after {@code
   * retry_timeout}); PostgreSQL's shutdown then waits for its walsenders to give up on the
   * unreachable standbys ({@code wal_sender_timeout}, 60 s), taking no connection meanwhile. A
   * {@link #stop} of an isolated member therefore ends in a SIGKILL after 90 s.
   *
   * @throws UnsupportedOperationException on a cluster of processes, which share one network
   */
  void isolate(Member member);

  /**
   * Cuts this JVM off from the member (its PostgreSQL and REST API), both ways, while the member
   * keeps talking to etcd and the other members: packets are dropped, so connections hang rather
   * than fail.
   *
   * @throws UnsupportedOperationException on a cluster of processes, which share one network
   */
  void partitionFromClient(Member member);

  /** Undoes {@link #isolate} and {@link #partitionFromClient} on the member. */
  void heal(Member member);

  /**
   * Waits until there is one leader and every member that is not stopped runs as its replica on the
   * leader's timeline with lag 0, checked through Patroni and through {@code pg_is_in_recovery()}
   * on every member.
   *
   * @throws IllegalStateException with the last view when that does not happen in time
   */
  void awaitHealthy(Duration timeout);

  /**
   * Heals, thaws and starts every member, then {@link #awaitHealthy}, which reinitializes a member
   * that is still no caught-up replica on the leader's timeline after 45 s.
   */
  void restoreHealth(Duration timeout);

  /**
   * Waits until a member other than {@code previous} is leader and serves writes ({@code
   * pg_is_in_recovery()} false on it: Patroni may report a leader before it has promoted).
   *
   * @return the new leader
   */
  Member awaitNewLeader(Member previous, Duration timeout);

  /** Stops everything this cluster runs and deletes what it created. Idempotent. */
  @Override
  void close();
}
