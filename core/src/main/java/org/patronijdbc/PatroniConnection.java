package org.patronijdbc;

import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Executor;
import org.patronijdbc.internal.ReadYourWrites;
import org.patronijdbc.internal.SqlState;
import org.patronijdbc.internal.jdbc.CallableStatementDelegate;
import org.patronijdbc.internal.jdbc.MetaDataDelegate;
import org.patronijdbc.internal.jdbc.PreparedStatementDelegate;
import org.patronijdbc.internal.jdbc.StatementDelegate;
import org.patronijdbc.internal.jdbc.StatementListener;

/**
 * A pgjdbc connection to one cluster member, with the member's name. The only layer patroni-jdbc
 * puts between the application and pgjdbc: every call is a plain delegation. Statements, their
 * result sets and the metadata are pgjdbc's own behind a thin delegate each, so that their {@code
 * getConnection()} and {@code getStatement()} answer with the objects the application holds, as
 * JDBC says; {@code unwrap(PGConnection.class)}, {@code unwrap(PGStatement.class)} and the like
 * return pgjdbc's objects. A connection the application drops without closing it can be collected:
 * it is counted as closed then, and pgjdbc's own cleaner closes its socket.
 */
public final class PatroniConnection extends ConnectionDelegate {

  /** What the statements tell this connection; a class of its own, so it is not API. */
  private final class Statements implements StatementListener {
    @Override
    public void executed(String sql, boolean query) throws SQLException {
      if (writes != null) {
        PatroniConnection.this.executed(sql, query);
      }
    }

    @Override
    public SQLException failed(String sql, boolean query, SQLException e) {
      return PatroniConnection.this.failed(sql, query, e);
    }
  }

  private final String member;
  private final boolean fallback;
  private final String url;
  private final Runnable released;
  private final ReadYourWrites writes;
  private final StatementListener listener;
  private volatile DatabaseMetaData metaData;
  private boolean wrote; // the transaction under way may have written (the owner's thread)
  private boolean autoCommit = true; // as the application last set it (the owner's thread)

  /**
   * @param url the URL the application connected with, secrets masked
   * @param writes where commits report the position they reached (read-your-writes on a connection
   *     to the leader), or null
   * @param onClose runs when the connection is closed or aborted (it must tolerate running twice; a
   *     connection collected unclosed is released by {@link OpenConnections})
   */
  PatroniConnection(
      Connection delegate,
      String member,
      boolean fallback,
      String url,
      ReadYourWrites writes,
      Runnable onClose) {
    super(delegate);
    this.member = member;
    this.fallback = fallback;
    this.url = url;
    this.writes = writes;
    this.listener = new Statements();
    try {
      this.autoCommit = delegate.getAutoCommit();
    } catch (SQLException e) {
      this.autoCommit = true; // pgjdbc's default
    }
    this.released = onClose;
  }

  /**
   * A statement ran: unless it was a plain query it may have written, and in auto-commit it has
   * committed: its position is the floor for later reads.
   */
  private void executed(String sql, boolean query) {
    if (query && ReadYourWrites.isPlainQuery(sql)) {
      return;
    }
    if (autoCommit) {
      committed();
    } else {
      wrote = true;
    }
  }

  /**
   * What a failed statement means to the application: a session lost while an auto-commit statement
   * that may write ran leaves its outcome unknown (08007: it may have been applied); inside a
   * transaction the server rolled the work back, and pgjdbc's error stands.
   */
  private SQLException failed(String sql, boolean query, SQLException e) {
    if (SqlState.meaning(e.getSQLState()) != SqlState.Meaning.CONNECTION_LOST
        || !autoCommit
        || (query && ReadYourWrites.isPlainQuery(sql))) {
      return e;
    }
    if (writes != null) {
      writes.committedAtUnknownPosition();
    }
    return SqlState.TRANSACTION_RESOLUTION_UNKNOWN.exception(
        "The connection to "
            + member
            + " was lost while an auto-commit statement ran: it may or may not have been applied;"
            + " check before running it again",
        e);
  }

  /** Tells read-your-writes the position a commit reached (one query after the commit). */
  private void committed() {
    wrote = false;
    try {
      writes.committed(ReadYourWrites.leaderPosition(delegate));
    } catch (SQLException | RuntimeException e) {
      writes.committedAtUnknownPosition(); // reads go to the leader for a while instead
    }
  }

  /** The Patroni name of the member this connection is open to. */
  public String memberName() {
    return member;
  }

  /**
   * Whether a replica read went to the leader because no replica was fit, or every fit one failed
   * to connect ({@code readFallbackToPrimary}).
   */
  public boolean isReadFallback() {
    return fallback;
  }

  @Override
  public void close() throws SQLException {
    try {
      delegate.close();
    } finally {
      released.run();
    }
  }

  @Override
  public void abort(Executor executor) throws SQLException {
    try {
      delegate.abort(executor);
    } finally {
      released.run();
    }
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    return iface.isInstance(this) ? iface.cast(this) : delegate.unwrap(iface);
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) throws SQLException {
    return iface.isInstance(this) || delegate.isWrapperFor(iface);
  }

  @Override
  public String toString() {
    return "PatroniConnection[" + member + ", " + delegate + "]";
  }

  @Override
  public Statement createStatement() throws SQLException {
    return new StatementDelegate(delegate.createStatement(), this, null, listener);
  }

  @Override
  public PreparedStatement prepareStatement(String sql) throws SQLException {
    return new PreparedStatementDelegate(delegate.prepareStatement(sql), this, sql, listener);
  }

  @Override
  public CallableStatement prepareCall(String sql) throws SQLException {
    return new CallableStatementDelegate(delegate.prepareCall(sql), this, sql, listener);
  }

  @Override
  public void setAutoCommit(boolean autoCommit) throws SQLException {
    boolean commits = autoCommit && wrote && !delegate.getAutoCommit();
    delegate.setAutoCommit(autoCommit); // commits a transaction under way, as JDBC says
    this.autoCommit = autoCommit;
    if (commits) {
      committed();
    }
  }

  /**
   * Commits; when the connection is lost during the COMMIT, the transaction may or may not have
   * been applied, so the error says so with SQLState 08007 instead of pgjdbc's 08006. A connection
   * that was already closed (08003) never sent the COMMIT: that stays 08003.
   */
  @Override
  public void commit() throws SQLException {
    try {
      delegate.commit();
    } catch (SQLException e) {
      SQLException mapped = SqlState.duringCommit(member, e);
      if (wrote && SqlState.TRANSACTION_RESOLUTION_UNKNOWN.is(mapped)) {
        wrote = false;
        writes.committedAtUnknownPosition();
      }
      throw mapped;
    }
    if (wrote) {
      committed();
    }
  }

  @Override
  public void rollback() throws SQLException {
    wrote = false;
    delegate.rollback();
  }

  @Override
  public DatabaseMetaData getMetaData() throws SQLException {
    DatabaseMetaData driver = delegate.getMetaData(); // a closed connection throws here
    DatabaseMetaData m = metaData;
    if (m == null) {
      m = new MetaDataDelegate(driver, this, url);
      metaData = m;
    }
    return m;
  }

  @Override
  public Statement createStatement(int resultSetType, int resultSetConcurrency)
      throws SQLException {
    return new StatementDelegate(
        delegate.createStatement(resultSetType, resultSetConcurrency), this, null, listener);
  }

  @Override
  public PreparedStatement prepareStatement(String sql, int resultSetType, int resultSetConcurrency)
      throws SQLException {
    return new PreparedStatementDelegate(
        delegate.prepareStatement(sql, resultSetType, resultSetConcurrency), this, sql, listener);
  }

  @Override
  public CallableStatement prepareCall(String sql, int resultSetType, int resultSetConcurrency)
      throws SQLException {
    return new CallableStatementDelegate(
        delegate.prepareCall(sql, resultSetType, resultSetConcurrency), this, sql, listener);
  }

  @Override
  public Statement createStatement(
      int resultSetType, int resultSetConcurrency, int resultSetHoldability) throws SQLException {
    return new StatementDelegate(
        delegate.createStatement(resultSetType, resultSetConcurrency, resultSetHoldability),
        this,
        null,
        listener);
  }

  @Override
  public PreparedStatement prepareStatement(
      String sql, int resultSetType, int resultSetConcurrency, int resultSetHoldability)
      throws SQLException {
    return new PreparedStatementDelegate(
        delegate.prepareStatement(sql, resultSetType, resultSetConcurrency, resultSetHoldability),
        this,
        sql,
        listener);
  }

  @Override
  public CallableStatement prepareCall(
      String sql, int resultSetType, int resultSetConcurrency, int resultSetHoldability)
      throws SQLException {
    return new CallableStatementDelegate(
        delegate.prepareCall(sql, resultSetType, resultSetConcurrency, resultSetHoldability),
        this,
        sql,
        listener);
  }

  @Override
  public PreparedStatement prepareStatement(String sql, int autoGeneratedKeys) throws SQLException {
    return new PreparedStatementDelegate(
        delegate.prepareStatement(sql, autoGeneratedKeys), this, sql, listener);
  }

  @Override
  public PreparedStatement prepareStatement(String sql, int[] columnIndexes) throws SQLException {
    return new PreparedStatementDelegate(
        delegate.prepareStatement(sql, columnIndexes), this, sql, listener);
  }

  @Override
  public PreparedStatement prepareStatement(String sql, String[] columnNames) throws SQLException {
    return new PreparedStatementDelegate(
        delegate.prepareStatement(sql, columnNames), this, sql, listener);
  }
}
