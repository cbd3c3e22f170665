package org.patronijdbc.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.support.TransactionSynchronizationManager;

class PatroniSqlExceptionTranslatorTest {

  private final DataSource dataSource = new DriverManagerDataSource();
  private final PatroniSqlExceptionTranslator translator =
      new PatroniSqlExceptionTranslator(dataSource);

  /** Inside a Spring transaction on the data source. */
  private DataAccessException translate(SQLException e) {
    TransactionSynchronizationManager.setActualTransactionActive(true);
    TransactionSynchronizationManager.bindResource(dataSource, "a connection holder");
    try {
      return translator.translate("task", "SELECT 1", e);
    } finally {
      TransactionSynchronizationManager.unbindResource(dataSource);
      TransactionSynchronizationManager.setActualTransactionActive(false);
    }
  }

  @Test
  void whatAFailoverDoesToAConnectionIsTransient() {
    for (String state : new String[] {"08006", "08001", "08003", "57P01", "57P02", "57P03"}) {
      DataAccessException e = translate(new SQLException("lost", state));
      assertThat(e).as(state).isInstanceOf(TransientDataAccessException.class);
      assertThat(((SQLException) e.getCause()).getSQLState()).isEqualTo(state);
      assertThat(e.getMessage()).contains("[SQLState " + state + "]");
    }
    assertThat(translate(new SQLTransientConnectionException("pool timed out", (String) null)))
        .isInstanceOf(TransientDataAccessException.class);
  }

  @Test
  void aStatementOutsideATransactionThatLostItsSessionMayHaveBeenApplied() {
    for (String sql : new String[] {"INSERT INTO t VALUES (1)", "SELECT create_order(1)"}) {
      assertThat(translator.translate("auto-commit", sql, new SQLException("x", "57P01")))
          .as(sql)
          .isInstanceOf(RecoverableDataAccessException.class);
    }
    // a transaction, but on another data source, does not make it clean
    TransactionSynchronizationManager.setActualTransactionActive(true);
    try {
      assertThat(translator.translate("auto-commit", "SELECT 1", new SQLException("x", "08006")))
          .isInstanceOf(RecoverableDataAccessException.class);
    } finally {
      TransactionSynchronizationManager.setActualTransactionActive(false);
    }
    // nothing was sent: clean wherever it happens
    assertThat(translator.translate("connect", null, new SQLException("no member", "08001")))
        .isInstanceOf(TransientDataAccessException.class);
  }

  @Test
  void aCommitWhoseOutcomeIsUnknownIsRecoverableNotTransient() {
    DataAccessException e = translate(new SQLException("lost during COMMIT", "08007"));
    assertThat(e)
        .isInstanceOf(RecoverableDataAccessException.class)
        .isNotInstanceOf(TransientDataAccessException.class);
    // as core throws it: an SQLTransientConnectionException with 08007
    assertThat(translate(new SQLTransientConnectionException("lost during COMMIT", "08007")))
        .isInstanceOf(RecoverableDataAccessException.class);
  }

  @Test
  void theStateIsFoundInsideAWrapper() {
    SQLException wrapper = new SQLException("wrapped", null, new SQLException("lost", "57P01"));
    assertThat(translate(wrapper)).isInstanceOf(TransientDataAccessException.class);
  }

  @Test
  void everythingElseAsSpringDoesForPostgres() {
    assertThat(translate(new SQLException("duplicate key", "23505")))
        .isInstanceOf(DuplicateKeyException.class);
  }
}
