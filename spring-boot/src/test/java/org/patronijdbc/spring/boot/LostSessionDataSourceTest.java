package org.patronijdbc.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;

/** A rollback on a session a failover ended succeeds; nothing else is hidden. */
class LostSessionDataSourceTest {

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

  private static Connection through(Connection target) throws SQLException {
    return new LostSessionDataSource(
            new SimpleDriverDataSource() {
              @Override
              public Connection getConnection() {
                return target;
              }
            })
        .getConnection();
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
    assertThat(c.isClosed()).isTrue();
  }
}
