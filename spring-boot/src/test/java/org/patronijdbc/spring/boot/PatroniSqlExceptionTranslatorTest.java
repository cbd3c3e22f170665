package org.patronijdbc.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.transaction.support.TransactionSynchronizationManager;

class PatroniSqlExceptionTranslatorTest {

  private final PatroniSqlExceptionTranslator translator = new PatroniSqlExceptionTranslator();

  private DataAccessException translate(SQLException e) {
    return translator.translate("task", "SELECT 1", e);
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
  void aWriteOutsideATransactionThatLostItsSessionMayHaveBeenApplied() {
    DataAccessException e =
        translator.translate("update", "INSERT INTO t VALUES (1)", new SQLException("x", "57P01"));
    assertThat(e).isInstanceOf(RecoverableDataAccessException.class);
    TransactionSynchronizationManager.setActualTransactionActive(true);
    try {
      assertThat(
              translator.translate(
                  "update", "INSERT INTO t VALUES (1)", new SQLException("x", "57P01")))
          .isInstanceOf(TransientDataAccessException.class);
    } finally {
      TransactionSynchronizationManager.setActualTransactionActive(false);
    }
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
