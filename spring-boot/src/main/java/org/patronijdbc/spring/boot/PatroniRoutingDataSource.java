package org.patronijdbc.spring.boot;

import java.sql.Connection;
import org.patronijdbc.hikari.PatroniHikariDataSource;
import org.springframework.jdbc.datasource.LazyConnectionDataSourceProxy;

/**
 * The application's {@code DataSource}: a transaction marked read-only
 * ({@code @Transactional(readOnly = true)}) runs on the read pools, everything else on the write
 * pool. The connection is taken at the first statement, when Spring has said whether the
 * transaction is read-only. {@code unwrap(PatroniHikariDataSource.class)} gives the pools, which
 * this class does not close: whoever made them does.
 */
public class PatroniRoutingDataSource extends LazyConnectionDataSourceProxy {

  private final PatroniHikariDataSource patroni;

  /**
   * Routes over {@code patroni}.
   *
   * @param autoCommit the pools' auto-commit setting
   * @param isolation the pools' transaction isolation ({@code Connection.TRANSACTION_*}), or null
   *     for PostgreSQL's default (read committed)
   */
  public PatroniRoutingDataSource(
      PatroniHikariDataSource patroni, boolean autoCommit, Integer isolation) {
    this.patroni = patroni;
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

  @Override
  public String toString() {
    return "PatroniRoutingDataSource[" + patroni + "]";
  }
}
