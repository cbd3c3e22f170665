package org.patronijdbc.spring.boot;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.patronijdbc.internal.SqlState;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * One pool's part of the {@code db} health check: a connection from it, and where it runs. A
 * connection that a failover has just ended is no verdict on the pool: the pool retires it, and the
 * check takes another (up to three, within the pool's connection timeout, which also bounds each
 * wait for a new leader).
 */
final class PoolHealthIndicator implements HealthIndicator {

  private static final int ATTEMPTS = 3;

  private final DataSource pool;
  private final Duration timeout;

  PoolHealthIndicator(DataSource pool, Duration timeout) {
    this.pool = pool;
    this.timeout = timeout;
  }

  @Override
  public Health health() {
    long deadline = System.nanoTime() + timeout.toNanos();
    SQLException last = null;
    for (int attempt = 1; attempt <= ATTEMPTS && System.nanoTime() < deadline; attempt++) {
      try (Connection c = pool.getConnection();
          Statement s = c.createStatement()) {
        // a member that drops packets silently must not hold the check past the timeout
        long left = Math.max(1000, (deadline - System.nanoTime()) / 1_000_000);
        c.setNetworkTimeout(Runnable::run, (int) Math.min(Integer.MAX_VALUE, left));
        ResultSet rs =
            s.executeQuery(
                "SELECT host(inet_server_addr()) || ':' || inet_server_port(),"
                    + " pg_is_in_recovery()");
        rs.next();
        return Health.up()
            .withDetail("database", "PostgreSQL")
            .withDetail("server", rs.getString(1))
            .withDetail("inRecovery", rs.getBoolean(2))
            .build();
      } catch (SQLException e) {
        last = e;
        if (!sessionEnded(e)) {
          break;
        }
      }
    }
    if (last == null) {
      return Health.down().withDetail("error", "no time left to check").build();
    }
    return Health.down(last).withDetail("sqlState", String.valueOf(last.getSQLState())).build();
  }

  /** A session a failover ended: the next connection may well be fine. */
  private static boolean sessionEnded(SQLException e) {
    String state = e.getSQLState();
    SqlState.Meaning meaning = SqlState.meaning(state);
    return state != null
        && !SqlState.NO_FIT_MEMBER.is(state)
        && (meaning == SqlState.Meaning.CONNECTION_LOST
            || meaning == SqlState.Meaning.NOTHING_SENT);
  }
}
