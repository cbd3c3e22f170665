package org.patronijdbc.spring.boot;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import javax.sql.DataSource;
import org.patronijdbc.hikari.PatroniHikariDataSource;
import org.patronijdbc.internal.SqlState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.datasource.AbstractDataSource;
import org.springframework.jdbc.datasource.ConnectionProxy;

/**
 * The application's {@code DataSource}: a transaction marked read-only
 * ({@code @Transactional(readOnly = true)}) runs on the read pools, everything else on the write
 * pool.
 *
 * <p>A connection from here takes its pool connection at the first statement, once Spring has said
 * whether the transaction is read-only (as Spring's {@code LazyConnectionDataSourceProxy}). Unlike
 * that proxy it changes sides between transactions: a connection held across transactions (JPA's
 * open-in-view keeps one per web request) that is marked read-write again after a read-only
 * transaction gives its replica connection back and takes a leader connection at the next
 * statement, and the other way round. Without that, a write after a read in the same request would
 * go to the replica and fail with 25006. A plain {@code rollback()} on a pool connection that a
 * failover ended succeeds (the server rolled the transaction back), so Spring throws the error that
 * explains the failure.
 *
 * <p>{@link #getPatroniDataSource()} (or {@code unwrap(PatroniHikariDataSource.class)}) gives the
 * pools, which {@link #close()} closes.
 */
public class PatroniRoutingDataSource extends AbstractDataSource implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(PatroniRoutingDataSource.class);

  private final PatroniHikariDataSource patroni;
  private final DataSource writes;
  private final DataSource reads;
  private final boolean defaultAutoCommit;
  private final int defaultIsolation;
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
    this.writes = patroni;
    this.reads = patroni.readOnly();
    this.defaultAutoCommit = autoCommit;
    this.defaultIsolation = isolation == null ? Connection.TRANSACTION_READ_COMMITTED : isolation;
    this.failoverTimeout = failoverTimeout;
  }

  /** The pools. */
  public PatroniHikariDataSource getPatroniDataSource() {
    return patroni;
  }

  /** How long the data source waits for a new leader during a failover. */
  public Duration getFailoverTimeout() {
    return failoverTimeout;
  }

  @Override
  public Connection getConnection() {
    return routed(writes, reads, defaultAutoCommit, defaultIsolation);
  }

  /** A connection that takes its pool connection from {@code writes} or {@code reads}. */
  static Connection routed(
      DataSource writes, DataSource reads, boolean defaultAutoCommit, int defaultIsolation) {
    return (Connection)
        Proxy.newProxyInstance(
            PatroniRoutingDataSource.class.getClassLoader(),
            new Class<?>[] {ConnectionProxy.class},
            new Routed(writes, reads, defaultAutoCommit, defaultIsolation));
  }

  /** Not supported: the pools' user is configured once ({@code readOnlyUser} for replicas). */
  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    throw SqlState.FEATURE_NOT_SUPPORTED.exception(
        "PatroniRoutingDataSource uses the configured users; getConnection(user, password) is not"
            + " supported");
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    return iface.isInstance(this) ? iface.cast(this) : patroni.unwrap(iface);
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) throws SQLException {
    return iface.isInstance(this) || patroni.isWrapperFor(iface);
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

  /** One connection as the application sees it; the pool connection behind it may change sides. */
  private static final class Routed implements InvocationHandler {
    private final DataSource writes;
    private final DataSource reads;
    private final boolean defaultAutoCommit;
    private final int defaultIsolation;
    private Boolean autoCommit; // null: the pools' default
    private boolean readOnly;
    private Integer isolation; // null: the pools' default
    private boolean closed;
    private Connection target;
    private boolean targetReadOnly;
    // no statement since the target was taken or since its last commit or rollback: between
    // transactions, also when the pools do not auto-commit
    private boolean betweenTransactions;

    Routed(DataSource writes, DataSource reads, boolean defaultAutoCommit, int defaultIsolation) {
      this.writes = writes;
      this.reads = reads;
      this.defaultAutoCommit = defaultAutoCommit;
      this.defaultIsolation = defaultIsolation;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      switch (method.getName()) {
        case "equals":
          return proxy == args[0];
        case "hashCode":
          return System.identityHashCode(proxy);
        case "toString":
          return "PatroniRoutingDataSource connection["
              + (target == null ? "none yet" : target)
              + "]";
        case "unwrap":
          return ((Class<?>) args[0]).isInstance(proxy)
              ? proxy
              : target().unwrap((Class<?>) args[0]);
        case "isWrapperFor":
          return ((Class<?>) args[0]).isInstance(proxy)
              || target().isWrapperFor((Class<?>) args[0]);
        case "close":
          closed = true;
          release();
          return null;
        case "isClosed":
          return closed;
        default:
          break;
      }
      if (closed) {
        throw SqlState.CONNECTION_DOES_NOT_EXIST.exception("the connection is closed");
      }
      if (method.getName().equals("getTargetConnection")) {
        return target();
      }
      if (target == null) {
        switch (method.getName()) {
          case "setAutoCommit":
            autoCommit = (Boolean) args[0];
            return null;
          case "getAutoCommit":
            return autoCommit == null ? defaultAutoCommit : autoCommit;
          case "setReadOnly":
            readOnly = (Boolean) args[0];
            return null;
          case "isReadOnly":
            return readOnly;
          case "setTransactionIsolation":
            isolation = (Integer) args[0];
            return null;
          case "getTransactionIsolation":
            return isolation == null ? defaultIsolation : isolation;
          case "commit", "rollback", "clearWarnings":
            if (method.getParameterCount() == 0) {
              return null; // nothing ran: nothing to end
            }
            break;
          case "getWarnings":
            return null;
          default:
            break;
        }
      } else if (method.getName().equals("setReadOnly")
          && (Boolean) args[0] != targetReadOnly
          && (betweenTransactions || target.getAutoCommit())) {
        // between transactions on a held connection: the next statement takes the other side's
        boolean autoCommitNow = target.getAutoCommit();
        release();
        readOnly = (Boolean) args[0];
        autoCommit = autoCommitNow;
        return null;
      }
      Connection t = target();
      try {
        Object result = method.invoke(t, args);
        switch (method.getName()) {
          case "commit", "rollback" -> betweenTransactions |= method.getParameterCount() == 0;
          case "setAutoCommit",
              "setReadOnly",
              "setTransactionIsolation",
              "getAutoCommit",
              "isReadOnly",
              "getTransactionIsolation",
              "getWarnings",
              "clearWarnings",
              "getMetaData",
              "isValid",
              "getHoldability",
              "getNetworkTimeout",
              "getSchema",
              "getCatalog",
              "getClientInfo" -> {
            // no statement: between transactions still
          }
          default -> betweenTransactions = false;
        }
        return result;
      } catch (InvocationTargetException e) {
        Throwable cause = e.getCause();
        if (cause instanceof SQLException
            && method.getName().equals("rollback")
            && method.getParameterCount() == 0
            && t.isClosed()) {
          // The pool retired it because a failover ended its session: the server rolled the
          // transaction back, and the error that explains why is the one to throw, not this
          // bare "Connection is closed" (SQLState null). A rollback to a savepoint cannot succeed.
          log.debug("rollback on a lost session: the server rolled the transaction back", cause);
          return null;
        }
        throw cause;
      }
    }

    private Connection target() throws SQLException {
      if (target == null) {
        Connection c = (readOnly ? reads : writes).getConnection();
        try {
          if (autoCommit != null && autoCommit != c.getAutoCommit()) {
            c.setAutoCommit(autoCommit);
          }
          if (isolation != null && isolation != c.getTransactionIsolation()) {
            c.setTransactionIsolation(isolation);
          }
          if (readOnly && !c.isReadOnly()) {
            c.setReadOnly(true);
          }
        } catch (SQLException e) {
          c.close();
          throw e;
        }
        target = c;
        targetReadOnly = readOnly;
        betweenTransactions = true;
        autoCommit = null; // the target holds it from now on
        isolation = null;
      }
      return target;
    }

    private void release() throws SQLException {
      Connection t = target;
      target = null;
      if (t != null) {
        t.close();
      }
    }
  }
}
