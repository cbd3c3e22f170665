package org.patronijdbc.spring.boot;

import java.sql.Connection;
import java.time.Duration;
import org.patronijdbc.hikari.PatroniHikariDataSource;
import org.springframework.jdbc.datasource.LazyConnectionDataSourceProxy;

/**
 * The application's {@code DataSource}: a transaction marked read-only
 * ({@code @Transactional(readOnly = true)}) runs on the read pools, everything else on the write
 * pool. The connection is taken at the first statement, when Spring has said whether the
 * transaction is read-only. {@link #getPatroniDataSource()} (or {@code
 * unwrap(PatroniHikariDataSource.class)}) gives the pools, which {@link #close()} closes.
 */
public class PatroniRoutingDataSource extends LazyConnectionDataSourceProxy
    implements AutoCloseable {

  private final PatroniHikariDataSource patroni;
  private final Duration failoverTimeout;

  /**
   * Routes over {@code patroni}.
   *
   * @param autoCommit the pools' auto-commit setting
   * @param isolation the pools' transaction isolation ({@code Connection.TRANSACTION_*}), or null
   *     for PostgreSQL's default (read committed)
   * @param failoverTimeout how long the data source waits for a new leader (the health check's
   *     failover window)
   */
  public PatroniRoutingDataSource(
      PatroniHikariDataSource patroni,
      boolean autoCommit,
      Integer isolation,
      Duration failoverTimeout) {
    this.patroni = patroni;
    this.failoverTimeout = failoverTimeout;
    setTargetDataSource(new LostSessionDataSource(patroni));
    setReadOnlyDataSource(new LostSessionDataSource(patroni.readOnly()));
    // known up front, so that starting the application opens no connection to learn them
    setDefaultAutoCommit(autoCommit);
    setDefaultTransactionIsolation(
        isolation == null ? Connection.TRANSACTION_READ_COMMITTED : isolation);
  }

  /** The pools. */
  public PatroniHikariDataSource getPatroniDataSource() {
    return patroni;
  }

  /** How long the data source waits for a new leader during a failover. */
  public Duration getFailoverTimeout() {
    return failoverTimeout;
  }

  /** Closes the pools. */
  @Override
  public void close() {
    patroni.close();
  }

  @Override
  public String toString() {
    return "PatroniRoutingDataSource[" + patroni + "]";
  }
}
