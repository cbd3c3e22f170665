package org.patronijdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.patronijdbc.internal.Engine;
import org.patronijdbc.testkit.Member;
import org.patronijdbc.testkit.PatroniCluster;
import org.patronijdbc.testkit.PatroniTest;

/**
 * A connection the application drops without closing it is not held forever by the library: it can
 * be collected, it is counted as closed from the next connect on (the library runs no thread for
 * it), and pgjdbc's own cleaner ends its server session.
 */
@PatroniTest
class ForgottenConnectionIT {

  private static long openAndForget(PatroniDataSource ds) throws SQLException {
    Connection c = ds.getConnection();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
      rs.next();
      return rs.getLong(1);
    } // c itself is never closed
  }

  private static boolean sessionAlive(PatroniCluster cluster, Member leader, long pid)
      throws SQLException {
    try (Connection c = cluster.connect(leader);
        PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_stat_activity WHERE pid = ?")) {
      ps.setLong(1, pid);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  @Test
  void aForgottenConnectionIsCollectedCountedAsClosedAndItsSessionEnds(PatroniCluster cluster)
      throws Exception {
    Member leader = cluster.leader();
    try (PatroniDataSource ds = new PatroniDataSource(cluster.jdbcUrl("postgres"))) {
      ds.setUser(PatroniCluster.SUPERUSER);
      ds.setPassword(PatroniCluster.PASSWORD);
      var ledger = ds.unwrap(Engine.class).monitor().ledger();
      int before = ledger.openConnections(leader.name());
      long pid = openAndForget(ds);
      assertThat(ledger.openConnections(leader.name())).isEqualTo(before + 1);
      assertThat(sessionAlive(cluster, leader, pid)).isTrue();

      long deadline = System.nanoTime() + 30_000_000_000L;
      while ((ledger.openConnections(leader.name()) > before || sessionAlive(cluster, leader, pid))
          && System.nanoTime() < deadline) {
        System.gc();
        Thread.sleep(100);
        ds.getConnection().close(); // the library settles collected connections at a connect
      }

      assertThat(ledger.openConnections(leader.name())).isEqualTo(before);
      assertThat(sessionAlive(cluster, leader, pid)).isFalse();
    }
  }
}
