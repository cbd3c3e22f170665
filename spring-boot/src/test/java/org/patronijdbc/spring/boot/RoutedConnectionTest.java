package org.patronijdbc.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.datasource.AbstractDataSource;
import org.springframework.jdbc.datasource.ConnectionProxy;

/**
 * Which side a connection of {@link PatroniRoutingDataSource} takes, and when it changes sides: the
 * calls are the ones Spring's transaction managers and Hibernate make.
 */
class RoutedConnectionTest {

  /** Hands out fake connections named after its side, and keeps the log of what happened. */
  static final class Side extends AbstractDataSource {
    final String name;
    final List<String> log;

    Side(String name, List<String> log) {
      this.name = name;
      this.log = log;
    }

    @Override
    public Connection getConnection() {
      log.add(name + " taken");
      AtomicBoolean autoCommit = new AtomicBoolean(true);
      AtomicBoolean readOnly = new AtomicBoolean(name.equals("read"));
      return (Connection)
          Proxy.newProxyInstance(
              Connection.class.getClassLoader(),
              new Class<?>[] {Connection.class},
              (proxy, method, args) -> {
                switch (method.getName()) {
                  case "getAutoCommit":
                    return autoCommit.get();
                  case "setAutoCommit":
                    autoCommit.set((Boolean) args[0]);
                    return null;
                  case "isReadOnly":
                    return readOnly.get();
                  case "setReadOnly":
                    readOnly.set((Boolean) args[0]);
                    return null;
                  case "getTransactionIsolation":
                    return Connection.TRANSACTION_READ_COMMITTED;
                  case "isClosed":
                    return false;
                  case "close":
                    log.add(name + " returned");
                    return null;
                  default:
                    log.add(name + " " + method.getName());
                    return null;
                }
              });
    }

    @Override
    public Connection getConnection(String username, String password) {
      throw new UnsupportedOperationException();
    }
  }

  private final List<String> log = new ArrayList<>();

  private Connection connection() throws SQLException {
    return PatroniRoutingDataSource.routed(
        new Side("write", log), new Side("read", log), true, Connection.TRANSACTION_READ_COMMITTED);
  }

  @Test
  void nothingIsTakenUntilTheFirstStatement() throws Exception {
    Connection c = connection();
    c.setReadOnly(true);
    c.setAutoCommit(false);
    c.commit();
    c.close();
    assertThat(log).isEmpty();
  }

  @Test
  void aReadOnlyTransactionRunsOnTheReadSideTheRestOnTheWriteSide() throws Exception {
    Connection c = connection();
    c.setReadOnly(true);
    c.setAutoCommit(false);
    c.createStatement();
    c.commit();
    c.close();
    Connection w = connection();
    w.createStatement();
    w.close();
    assertThat(log)
        .containsExactly(
            "read taken",
            "read createStatement",
            "read commit",
            "read returned",
            "write taken",
            "write createStatement",
            "write returned");
  }

  @Test
  void aHeldConnectionChangesSidesBetweenTransactions() throws Exception {
    // open-in-view: one connection for the request, a read-only transaction, then a write
    Connection c = connection();
    c.setReadOnly(true); // Spring prepares the read-only transaction
    c.setAutoCommit(false); // Hibernate begins it
    c.createStatement();
    c.commit();
    c.setAutoCommit(true); // Hibernate ends it
    c.setReadOnly(false); // Spring resets the connection
    c.setAutoCommit(false); // the next, read-write, transaction
    c.createStatement();
    c.commit();
    c.close();
    assertThat(log)
        .containsExactly(
            "read taken",
            "read createStatement",
            "read commit",
            "read returned",
            "write taken",
            "write createStatement",
            "write commit",
            "write returned");
  }

  @Test
  void insideATransactionTheSideStays() throws Exception {
    Connection c = connection();
    c.setAutoCommit(false);
    c.createStatement();
    c.setReadOnly(true); // mid-transaction: the driver decides, the side does not change
    c.createStatement();
    c.close();
    assertThat(log)
        .containsExactly(
            "write taken", "write createStatement", "write createStatement", "write returned");
  }

  /** Like a HikariCP connection that retired itself: closed, and every call fails. */
  private static Connection lost(AtomicBoolean closed) {
    return (Connection)
        Proxy.newProxyInstance(
            Connection.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            (proxy, method, args) -> {
              switch (method.getName()) {
                case "isClosed":
                  return closed.get();
                case "close":
                  closed.set(true);
                  return null;
                default:
                  throw new SQLException("Connection is closed");
              }
            });
  }

  /** A routed connection that has already taken {@code target}. */
  private static Connection through(Connection target) throws SQLException {
    AbstractDataSource source =
        new AbstractDataSource() {
          @Override
          public Connection getConnection() {
            return target;
          }

          @Override
          public Connection getConnection(String username, String password) {
            return target;
          }
        };
    Connection c =
        PatroniRoutingDataSource.routed(
            source, source, true, Connection.TRANSACTION_READ_COMMITTED);
    ((ConnectionProxy) c).getTargetConnection();
    return c;
  }

  @Test
  void aRollbackOnALostSessionSucceeds() throws Exception {
    Connection c = through(lost(new AtomicBoolean(true)));
    c.rollback(); // the server rolled the transaction back when the session ended
  }

  @Test
  void aRollbackOnALiveConnectionThatFailsStillFails() throws Exception {
    Connection c = through(lost(new AtomicBoolean(false)));
    assertThatThrownBy(c::rollback).isInstanceOf(SQLException.class);
  }

  @Test
  void aRollbackAfterTheApplicationClosedTheConnectionStillFails() throws Exception {
    Connection c = through(lost(new AtomicBoolean(false)));
    c.close();
    assertThatThrownBy(c::rollback).isInstanceOf(SQLException.class);
  }

  @Test
  void aRollbackToASavepointIsNeverHidden() throws Exception {
    Connection c = through(lost(new AtomicBoolean(true)));
    assertThatThrownBy(() -> c.rollback((Savepoint) null)).isInstanceOf(SQLException.class);
    assertThatThrownBy(c::commit).isInstanceOf(SQLException.class);
    assertThat(((ConnectionProxy) c).getTargetConnection().isClosed()).isTrue();
  }

  @Test
  void withPoolsThatDoNotAutoCommitAHeldConnectionStillChangesSidesBetweenTransactions()
      throws Exception {
    Connection c =
        PatroniRoutingDataSource.routed(
            new Side("write", log),
            new Side("read", log),
            false,
            Connection.TRANSACTION_READ_COMMITTED);
    c.setAutoCommit(false);
    c.setReadOnly(true); // a read-only transaction
    c.createStatement();
    c.commit();
    c.setReadOnly(false); // then, on the same connection, a read-write one
    c.createStatement();
    c.commit();

    assertThat(log).containsSubsequence("read taken", "read createStatement", "read commit");
    assertThat(log).containsSubsequence("read returned", "write taken", "write createStatement");
    // inside a transaction, no change of sides
    c.setReadOnly(true);
    c.createStatement();
    log.clear();
    c.setReadOnly(false);
    c.createStatement();
    assertThat(log).doesNotContain("read returned").contains("read createStatement");
  }
}
