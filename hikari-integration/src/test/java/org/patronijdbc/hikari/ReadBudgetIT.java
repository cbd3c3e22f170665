package org.patronijdbc.hikari;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.patronijdbc.hikari.Workload.Op;
import org.patronijdbc.internal.Engine;
import org.patronijdbc.routing.TargetServerType;
import org.patronijdbc.testkit.Member;
import org.patronijdbc.testkit.PatroniCluster;
import org.patronijdbc.testkit.PatroniTest;

/**
 * The read side holds the read pool size in all, shared by the members that serve reads, so one
 * {@code PatroniHikariDataSource} holds at most twice the configured pool size however many
 * replicas there are, and still gives each fit replica its share of reads. Sessions are counted on
 * the servers, by application name.
 */
@PatroniTest
class ReadBudgetIT {

  private static final int POOL_SIZE = 10;

  private static PatroniHikariDataSource dataSource(PatroniCluster cluster, String application) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(cluster.jdbcUrl("postgres"));
    config.setUsername(PatroniCluster.SUPERUSER);
    config.setPassword(PatroniCluster.PASSWORD);
    config.setMaximumPoolSize(POOL_SIZE);
    config.addDataSourceProperty("ApplicationName", application);
    return new PatroniHikariDataSource(config);
  }

  /** Sessions of {@code application} on each member, asked of each member itself. */
  private static Map<String, Integer> sessions(PatroniCluster cluster, String application)
      throws SQLException {
    Map<String, Integer> sessions = new LinkedHashMap<>();
    for (Member m : cluster.members()) {
      try (Connection c = cluster.connect(m);
          PreparedStatement ps =
              c.prepareStatement(
                  "SELECT count(*) FROM pg_stat_activity WHERE application_name = ?")) {
        ps.setString(1, application);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          sessions.put(m.name(), rs.getInt(1));
        }
      }
    }
    return sessions;
  }

  @Test
  void aPoolOfTenWithTwoReplicasHoldsAtMostTwentySessionsAndSharesReadsFairly(
      PatroniCluster cluster) throws Exception {
    for (int readers : new int[] {2, 16}) {
      String application = "read-budget-" + readers;
      try (PatroniHikariDataSource ds = dataSource(cluster, application)) {
        Workload.createTable(ds);
        Workload load = new Workload(ds, ds.readOnly(), 4, readers);
        Thread.sleep(5000); // pools filled, every reader busy
        Map<String, Integer> held = sessions(cluster, application);
        long computed =
            ds.unwrap(org.patronijdbc.PatroniDataSource.class)
                .unwrap(Engine.class)
                .router(TargetServerType.REPLICA)
                .computations();
        load.close();

        List<Op> reads = load.reads().stream().filter(Op::ok).toList();
        int total = held.values().stream().mapToInt(Integer::intValue).sum();
        System.out.printf(
            "ReadBudgetIT: %d readers, sessions %s (%d in all), %d reads, %d route"
                + " computations%n",
            readers, held, total, reads.size(), computed);

        assertThat(total).isLessThanOrEqualTo(2 * POOL_SIZE);
        for (Member replica : cluster.replicas()) {
          assertThat(held.get(replica.name())).as(replica.name()).isGreaterThanOrEqualTo(1);
          long on = reads.stream().filter(o -> o.port() == replica.pgPort()).count();
          assertThat(on).as(replica.name() + "'s share").isGreaterThanOrEqualTo(reads.size() / 4);
        }
        // once per snapshot, however many checkouts: a few snapshots a second at most
        assertThat(computed).isLessThan(reads.size() / 10);
      }
    }
  }
}
