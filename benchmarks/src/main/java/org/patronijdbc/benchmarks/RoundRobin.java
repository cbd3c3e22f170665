package org.patronijdbc.benchmarks;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * The steady-state read baseline: plain pools, one per replica, taken in turn. patroni-jdbc and
 * pgjdbc multi-host spread reads over every replica; on one small machine two PostgreSQL instances
 * serve less than one (measured: 0.83 × on 2 cores), so a one-replica baseline would charge that to
 * the library.
 */
final class RoundRobin implements DataSource {

  private final List<DataSource> pools;
  private final AtomicInteger turn = new AtomicInteger();

  RoundRobin(List<DataSource> pools) {
    this.pools = List.copyOf(pools);
  }

  @Override
  public Connection getConnection() throws SQLException {
    return pools.get(Math.floorMod(turn.getAndIncrement(), pools.size())).getConnection();
  }

  @Override
  public Connection getConnection(String user, String password) throws SQLException {
    throw new SQLFeatureNotSupportedException("the pools carry their credentials");
  }

  @Override
  public PrintWriter getLogWriter() {
    return null;
  }

  @Override
  public void setLogWriter(PrintWriter out) {
    // nothing is logged
  }

  @Override
  public void setLoginTimeout(int seconds) {
    // the pools have their own
  }

  @Override
  public int getLoginTimeout() {
    return 0;
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException("SLF4J is used");
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    throw new SQLException("not a wrapper");
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) {
    return false;
  }
}
