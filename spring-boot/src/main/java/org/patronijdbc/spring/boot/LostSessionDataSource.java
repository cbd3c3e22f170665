package org.patronijdbc.spring.boot;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * Lets a rollback succeed on a connection whose session is gone. When a failover ends a session
 * (57P01, class 08), the server has rolled its transaction back and HikariCP retires the
 * connection; a later {@code rollback()} would fail with a bare "Connection is closed" (SQLState
 * null), and Spring would throw that instead of the error that explains what happened. Here that
 * rollback returns: the transaction is rolled back, and the original error reaches the caller. Only
 * a plain {@code rollback()} on a connection the application has not closed: a rollback to a
 * savepoint cannot succeed when the whole transaction is gone.
 */
final class LostSessionDataSource extends DelegatingDataSource {

  private static final Logger log = LoggerFactory.getLogger(LostSessionDataSource.class);

  LostSessionDataSource(DataSource target) {
    super(target);
  }

  @Override
  public Connection getConnection() throws SQLException {
    return wrap(obtainTargetDataSource().getConnection());
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    return wrap(obtainTargetDataSource().getConnection(username, password));
  }

  private static Connection wrap(Connection target) {
    return (Connection)
        Proxy.newProxyInstance(
            LostSessionDataSource.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            new Handler(target));
  }

  private static final class Handler implements InvocationHandler {
    private final Connection target;
    private volatile boolean closed;

    Handler(Connection target) {
      this.target = target;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      switch (method.getName()) {
        case "equals":
          return proxy == args[0];
        case "hashCode":
          return System.identityHashCode(proxy);
        case "toString":
          return "LostSession[" + target + "]";
        case "close":
          closed = true;
          break;
        default:
          break;
      }
      try {
        return method.invoke(target, args);
      } catch (InvocationTargetException e) {
        Throwable cause = e.getCause();
        if (cause instanceof SQLException
            && method.getName().equals("rollback")
            && method.getParameterCount() == 0
            && !closed
            && target.isClosed()) {
          log.debug("rollback on a lost session: the server rolled the transaction back", cause);
          return null;
        }
        throw cause;
      }
    }
  }
}
