package org.patronijdbc.spring.boot;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.jdbc.support.SQLErrorCodeSQLExceptionTranslator;
import org.springframework.jdbc.support.SQLExceptionTranslator;

/**
 * Translates what a failover does to a connection into exceptions Spring can act on, and the rest
 * as Spring does for PostgreSQL:
 *
 * <ul>
 *   <li>class 08 (connection lost, no member in time) and 57P01-57P03 (server shutting down or
 *       starting): {@link TransientDataAccessResourceException}, a {@code
 *       TransientDataAccessException}: the transaction did not commit, running it again may work;
 *   <li>08007 (the connection was lost during COMMIT, which may or may not have happened): {@link
 *       RecoverableDataAccessException}: check whether the work is there before running it again.
 * </ul>
 *
 * The {@link SQLException} stays the cause, with its SQLState.
 */
public class PatroniSqlExceptionTranslator implements SQLExceptionTranslator {

  private final SQLExceptionTranslator postgres =
      new SQLErrorCodeSQLExceptionTranslator("PostgreSQL");

  @Override
  public DataAccessException translate(String task, String sql, SQLException ex) {
    for (SQLException e = ex; e != null; e = next(e)) {
      String state = e.getSQLState();
      if ("08007".equals(state)) {
        return new RecoverableDataAccessException(message(task, sql, ex), ex);
      }
      if (state != null && (state.startsWith("08") || state.matches("57P0[123]"))
          || e instanceof SQLTransientConnectionException) {
        return new TransientDataAccessResourceException(message(task, sql, ex), ex);
      }
    }
    return postgres.translate(task, sql, ex);
  }

  private static SQLException next(SQLException e) {
    return e.getCause() instanceof SQLException cause ? cause : e.getNextException();
  }

  private static String message(String task, String sql, SQLException ex) {
    return task
        + "; "
        + (sql == null ? "" : "SQL [" + sql + "]; ")
        + ex.getMessage()
        + " [SQLState "
        + ex.getSQLState()
        + "]";
  }
}
