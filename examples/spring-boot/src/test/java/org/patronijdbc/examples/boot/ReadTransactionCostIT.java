package org.patronijdbc.examples.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.function.IntConsumer;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.patronijdbc.spring.boot.PatroniRoutingDataSource;
import org.patronijdbc.testkit.Member;
import org.patronijdbc.testkit.PatroniCluster;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * One server transaction per read transaction, the way Spring's transaction managers run them
 * ({@code setReadOnly(true)}, auto-commit off, the query, commit, back): counted on the replicas
 * with {@code pg_stat_database.xact_commit}, against direct HikariCP + pgjdbc on a replica.
 */
class ReadTransactionCostIT {

  private static final int READS = 2000;

  /** Committed transactions on every replica, flushed (the sessions that counted have ended). */
  private static long replicaCommits(PatroniCluster cluster) throws Exception {
    Thread.sleep(1500); // a backend reports its counts at most once a second, and when it exits
    long total = 0;
    for (Member m : cluster.replicas()) {
      try (Connection c = cluster.connect(m);
          Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery(
                  "SELECT xact_commit FROM pg_stat_database WHERE datname = 'postgres'")) {
        rs.next();
        total += rs.getLong(1);
      }
    }
    return total;
  }

  /** Server transactions on the replicas per read, the background (Patroni's own) taken out. */
  private static double perRead(PatroniCluster cluster, IntConsumer reads) throws Exception {
    long idleStart = replicaCommits(cluster);
    long t0 = System.nanoTime();
    Thread.sleep(3000);
    long idleEnd = replicaCommits(cluster);
    double backgroundPerSecond = (idleEnd - idleStart) / ((System.nanoTime() - t0) / 1e9);
    long start = replicaCommits(cluster);
    long t1 = System.nanoTime();
    reads.accept(READS);
    long end = replicaCommits(cluster);
    double background = backgroundPerSecond * ((System.nanoTime() - t1) / 1e9);
    return (end - start - background) / READS;
  }

  private static void readTransactions(DataSource ds, int n) {
    TransactionTemplate tx = new TransactionTemplate(new JdbcTransactionManager(ds));
    tx.setReadOnly(true);
    JdbcTemplate jdbc = new JdbcTemplate(ds);
    for (int i = 0; i < n; i++) {
      tx.execute(status -> jdbc.queryForObject("SELECT count(*) FROM greetings", Long.class));
    }
  }

  @Test
  void aReadTransactionCostsOneServerTransactionThroughEitherTransactionManager() throws Exception {
    PatroniCluster cluster = TestCluster.CLUSTER;
    Map<String, Object> props = new java.util.LinkedHashMap<>();
    cluster.springBootProperties("postgres").forEach(props::put);
    props.put("spring.main.web-application-type", "none");
    double jpa;
    double jdbc;
    try (ConfigurableApplicationContext app =
        new SpringApplicationBuilder(GreetingApplication.class).run(TestCluster.args(props))) {
      GreetingService service = app.getBean(GreetingService.class);
      jpa =
          perRead(
              cluster,
              n -> {
                for (int i = 0; i < n; i++) {
                  service.count(); // @Transactional(readOnly = true): JpaTransactionManager
                }
                closeReadSessions(app);
              });
      jdbc =
          perRead(
              cluster,
              n -> {
                readTransactions(app.getBean(PatroniRoutingDataSource.class), n);
                closeReadSessions(app);
              });
    }
    HikariConfig direct = new HikariConfig();
    Member replica = cluster.replicas().get(0);
    direct.setJdbcUrl("jdbc:postgresql://" + replica.host() + ":" + replica.pgPort() + "/postgres");
    direct.setUsername(PatroniCluster.SUPERUSER);
    direct.setPassword(PatroniCluster.PASSWORD);
    direct.setMaximumPoolSize(4);
    double plain;
    try (HikariDataSource ds = new HikariDataSource(direct)) {
      plain =
          perRead(
              cluster,
              n -> {
                readTransactions(ds, n);
                ds.getHikariPoolMXBean().softEvictConnections(); // sessions end: counts flushed
              });
    }
    System.out.printf(
        "ReadTransactionCostIT: server transactions per read transaction: JpaTransactionManager"
            + " %.2f, DataSourceTransactionManager %.2f, direct HikariCP + pgjdbc %.2f%n",
        jpa, jdbc, plain);

    assertThat(plain).isBetween(0.9, 1.1);
    assertThat(jpa).isBetween(0.9, 1.1); // count() and server() in one transaction: one
    assertThat(jdbc).isBetween(0.9, 1.1);
  }

  /** Ends the read pools' sessions, so the replicas flush what they counted. */
  private static void closeReadSessions(ConfigurableApplicationContext app) {
    app.getBean(PatroniRoutingDataSource.class)
        .getPatroniDataSource()
        .readPools()
        .values()
        .forEach(p -> p.getHikariPoolMXBean().softEvictConnections());
  }
}
