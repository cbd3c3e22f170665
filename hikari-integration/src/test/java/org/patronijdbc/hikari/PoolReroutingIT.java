package org.patronijdbc.hikari;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.patronijdbc.PatroniDataSource;
import org.patronijdbc.hikari.Workload.Op;
import org.patronijdbc.testkit.Member;
import org.patronijdbc.testkit.PatroniCluster;
import org.patronijdbc.testkit.PatroniTest;

/** Rerouting under load: 8 writers and 8 readers, every result checked on the server side. */
@PatroniTest
class PoolReroutingIT {

  static PatroniHikariDataSource dataSource(PatroniCluster cluster, String... params) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(cluster.jdbcUrl("postgres", params));
    config.setUsername(PatroniCluster.SUPERUSER);
    config.setPassword(PatroniCluster.PASSWORD);
    config.setMaximumPoolSize(8);
    return new PatroniHikariDataSource(config);
  }

  private static long afterNanos(List<Op> ops, long t) {
    return ops.stream().filter(o -> o.startNanos() >= t).count();
  }

  @Test
  void switchoverMovesEveryWriteToTheNewLeaderAndKeepsReadsOffIt(PatroniCluster cluster)
      throws Exception {
    Member candidate = cluster.replicas().get(0);
    try (PatroniHikariDataSource ds = dataSource(cluster)) {
      assertThat(ds.writePool().getPoolName()).isEqualTo(cluster.scope() + "-write");
      assertThat(ds.readPools().values())
          .extracting(HikariDataSource::getPoolName)
          .allMatch(n -> n.startsWith(cluster.scope() + "-read-"));
      Workload.createTable(ds);
      Workload load = new Workload(ds, ds.readOnly(), 8, 8);
      Thread.sleep(1000);

      cluster.switchover(candidate);
      // replicas serve reads again once Patroni reports them on the new leader's timeline; until
      // then reads are on the leader (a replica on the old timeline receives nothing)
      cluster.awaitHealthy(Duration.ofSeconds(60));
      Thread.sleep(2500); // two polls, and the reroute that follows
      long settled = System.nanoTime();
      Thread.sleep(2000);
      load.close();

      List<Op> writes = load.writes();
      long rerouted =
          writes.stream()
              .filter(o -> o.ok() && o.port() == candidate.pgPort())
              .mapToLong(Op::startNanos)
              .min()
              .orElseThrow();
      List<Op> afterReroute = writes.stream().filter(o -> o.startNanos() > rerouted).toList();
      assertThat(afterReroute).isNotEmpty().noneMatch(o -> "25006".equals(o.sqlState()));
      assertThat(afterReroute.stream().filter(Op::ok))
          .allMatch(o -> o.port() == candidate.pgPort() && !o.inRecovery());
      assertThat(writes).filteredOn(Op::ok).noneMatch(Op::inRecovery);
      List<Op> settledReads = load.reads().stream().filter(o -> o.startNanos() > settled).toList();
      assertThat(settledReads).isNotEmpty().allMatch(o -> o.ok() && o.inRecovery());
      System.out.printf(
          "switchover: write outage %d ms, failed writes %d, 25006 %d%n",
          Workload.longestGap(writes).toMillis(),
          writes.stream().filter(o -> !o.ok()).count(),
          writes.stream().filter(o -> "25006".equals(o.sqlState())).count());
    }
  }

  @Test
  void switchoverSideBySideWithHikariOverAPgjdbcMultiHostUrl(PatroniCluster cluster)
      throws Exception {
    Member candidate = cluster.replicas().get(0);
    HikariConfig plain = new HikariConfig();
    plain.setJdbcUrl(cluster.multiHostJdbcUrl("postgres", "targetServerType=primary"));
    plain.setUsername(PatroniCluster.SUPERUSER);
    plain.setPassword(PatroniCluster.PASSWORD);
    plain.setMaximumPoolSize(8);
    try (PatroniHikariDataSource ours = dataSource(cluster);
        HikariDataSource pgjdbc = new HikariDataSource(plain)) {
      Workload.createTable(ours);
      Workload oursLoad = new Workload(ours, ours.readOnly(), 8, 0);
      Workload pgjdbcLoad = new Workload(pgjdbc, pgjdbc, 8, 0);
      Thread.sleep(1000);

      cluster.switchover(candidate);
      Thread.sleep(5000);
      oursLoad.close();
      pgjdbcLoad.close();

      List<Op> our = oursLoad.writes();
      List<Op> their = pgjdbcLoad.writes();
      assertThat(our).filteredOn(Op::ok).noneMatch(Op::inRecovery);
      assertThat(our).noneMatch(o -> "25006".equals(o.sqlState()));
      System.out.printf(
          "switchover side by side: patroni-jdbc write outage %d ms (%d failed, %d 25006),"
              + " Hikari+pgjdbc multi-host %d ms (%d failed, %d 25006)%n",
          Workload.longestGap(our).toMillis(),
          our.stream().filter(o -> !o.ok()).count(),
          our.stream().filter(o -> "25006".equals(o.sqlState())).count(),
          Workload.longestGap(their).toMillis(),
          their.stream().filter(o -> !o.ok()).count(),
          their.stream().filter(o -> "25006".equals(o.sqlState())).count());
    }
  }

  @Test
  void replicaCrashFailsOnlyReadsInFlightOnIt(PatroniCluster cluster) throws Exception {
    Member victim = cluster.replicas().get(0);
    try (PatroniHikariDataSource ds = dataSource(cluster)) {
      Workload.createTable(ds);
      Workload load = new Workload(ds, ds.readOnly(), 8, 8);
      Thread.sleep(1000);
      long crashed = System.nanoTime();

      cluster.crash(victim);
      Thread.sleep(4000);
      load.close();

      List<Op> reads = load.reads();
      List<Op> failed = reads.stream().filter(o -> !o.ok()).toList();
      // at most one failure per connection the read pool held to the crashed replica
      assertThat(failed).hasSizeLessThanOrEqualTo(8);
      assertThat(failed)
          .allMatch(o -> o.sqlState().startsWith("08") || o.sqlState().startsWith("57P"));
      assertThat(reads.stream().filter(o -> o.ok() && o.startNanos() > crashed)).isNotEmpty();
      assertThat(reads).filteredOn(Op::ok).allMatch(Op::inRecovery);
      System.out.printf(
          "replica crash: failed reads %d of %d, longest read gap %d ms%n",
          failed.size(), reads.size(), Workload.longestGap(reads).toMillis());
    }
  }

  @Test
  void withBothReplicasStoppedReadsGoToTheLeaderAndComeBack(PatroniCluster cluster)
      throws Exception {
    Member leader = cluster.leader();
    List<Member> replicas = cluster.replicas();
    try (PatroniHikariDataSource ds = dataSource(cluster)) {
      Workload load = new Workload(ds, ds.readOnly(), 0, 8);
      Thread.sleep(500);

      replicas.forEach(cluster::stop);
      Thread.sleep(3000);
      long onLeader = System.nanoTime();
      Thread.sleep(1000);
      replicas.forEach(cluster::start);
      cluster.awaitHealthy(Duration.ofSeconds(90));
      Thread.sleep(3000);
      long back = System.nanoTime();
      Thread.sleep(1000);
      load.close();

      List<Op> reads = load.reads();
      assertThat(
              reads.stream()
                  .filter(
                      o -> o.startNanos() > onLeader && o.endNanos() < onLeader + 1_000_000_000L))
          .isNotEmpty()
          .allMatch(o -> o.ok() && o.port() == leader.pgPort());
      assertThat(reads.stream().filter(o -> o.startNanos() > back))
          .isNotEmpty()
          .allMatch(o -> o.ok() && o.inRecovery());
      System.out.printf(
          "last replica down: failed reads %d, longest read gap %d ms%n",
          reads.stream().filter(o -> !o.ok()).count(), Workload.longestGap(reads).toMillis());
    }
  }

  @Test
  void frozenLeaderUnblocksWritersAfterAboutTheTtlAndWritesMoveOn(PatroniCluster cluster)
      throws Exception {
    Member leader = cluster.leader();
    try (PatroniHikariDataSource ds = dataSource(cluster)) {
      Workload.createTable(ds);
      Workload load = new Workload(ds, ds.readOnly(), 8, 8);
      Thread.sleep(1000);
      long frozen = System.nanoTime();

      cluster.freeze(leader);
      Member newLeader = cluster.awaitNewLeader(leader, Duration.ofSeconds(60));
      // still frozen: writes must move on by themselves. A login to the old leader that began
      // just before Patroni dropped it holds a pool's connection adder for up to one login
      // bound (5 s by default), so allow that plus margin before thawing.
      long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (System.nanoTime() < until
          && load.writes().stream().noneMatch(o -> o.ok() && o.port() == newLeader.pgPort())) {
        Thread.sleep(100);
      }
      cluster.thaw(leader);
      load.stop(Duration.ofSeconds(15));

      List<Op> writes = load.writes();
      List<Op> blocked =
          writes.stream().filter(o -> o.startNanos() < frozen && o.endNanos() > frozen).toList();
      // ttl is 10 s: a writer stuck on the frozen leader gets its error within about ttl + 2 s
      assertThat(blocked)
          .allSatisfy(
              o ->
                  assertThat(Duration.ofNanos(o.endNanos() - frozen))
                      .isLessThan(Duration.ofSeconds(20)));
      assertThat(writes.stream().filter(o -> o.ok() && o.port() == newLeader.pgPort()))
          .isNotEmpty();
      assertThat(writes).filteredOn(Op::ok).noneMatch(Op::inRecovery);
      System.out.printf(
          "leader freeze: write outage %d ms, failed writes %d, longest blocked write %d ms%n",
          Workload.longestGap(writes).toMillis(),
          writes.stream().filter(o -> !o.ok()).count(),
          writes.stream()
                  .filter(o -> o.startNanos() >= frozen - 1)
                  .mapToLong(o -> o.endNanos() - o.startNanos())
                  .max()
                  .orElse(0)
              / 1_000_000);
    }
  }

  @Test
  void closeClosesBothPoolsAndStopsTheMonitor(PatroniCluster cluster) throws Exception {
    PatroniHikariDataSource ds = dataSource(cluster);
    PatroniHikariDataSource other = dataSource(cluster, "maxReplicationLag=1MB");
    PatroniDataSource plain = new PatroniDataSource(cluster.jdbcUrl("postgres"));
    plain.setUser(PatroniCluster.SUPERUSER);
    plain.setPassword(PatroniCluster.PASSWORD);
    try (var c = ds.getConnection();
        var o = other.readOnly().getConnection();
        var p = plain.getConnection()) {
      assertThat(c.isValid(1)).isTrue();
    }
    // four pools and a plain data source on one cluster: one monitor thread
    assertThat(monitorThreads()).isEqualTo(1);
    other.close();
    plain.close();
    assertThat(monitorThreads()).isEqualTo(1);

    ds.close();

    assertThat(ds.writePool().isClosed()).isTrue();
    assertThat(ds.readPools()).isEmpty();
    Thread.sleep(200);
    assertThat(monitorThreads()).isZero();
  }

  private static long monitorThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith("patroni-jdbc-monitor-"))
        .count();
  }
}
