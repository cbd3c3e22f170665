package org.patronijdbc.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.dao.NonTransientDataAccessResourceException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * What a failure means is decided from what the connection saw, never from whether a transaction is
 * active when the translation runs: Spring Data translates after its transaction has ended.
 */
class PatroniSqlExceptionTranslatorTest {

  private final PatroniSqlExceptionTranslator translator = new PatroniSqlExceptionTranslator();

  private DataAccessException translate(SQLException e) {
    return translator.translate("task", "INSERT INTO owners VALUES (1)", e);
  }

  @Test
  void aSaveCutInsideARepositoryTransactionIsTransientAfterTheTransactionEnded() {
    // Spring Data's own @Transactional has ended (rolled back) when it translates
    assertThat(TransactionSynchronizationManager.isActualTransactionActive()).isFalse();
    for (String state : new String[] {"08006", "57P01", "57P02", "08P01"}) {
      DataAccessException e = translate(new SQLException("lost", state));
      assertThat(e).as(state).isInstanceOf(TransientDataAccessException.class);
      assertThat(e.getMessage()).contains("[SQLState " + state + "]");
    }
  }

  @Test
  void nothingSentIsTransient() throws Exception {
    for (String state : new String[] {"08001", "08003", "08004", "57P03"}) {
      assertThat(translate(new SQLException("nothing sent", state)))
          .as(state)
          .isInstanceOf(TransientDataAccessException.class);
    }
    // a login called off because its member lost its role: patroni-jdbc's 08001
    assertThat(translate(new SQLTransientConnectionException("called off", "08001")))
        .isInstanceOf(TransientDataAccessException.class);
    // HikariCP's own pool timeout, as it really comes
    HikariConfig config = new HikariConfig();
    config.setDataSource(new org.springframework.jdbc.datasource.DriverManagerDataSource());
    config.setConnectionTimeout(250);
    config.setInitializationFailTimeout(-1);
    SQLException poolTimeout;
    try (HikariDataSource pool = new HikariDataSource(config)) {
      try (Connection c = pool.getConnection()) {
        poolTimeout = null;
      } catch (SQLException e) {
        poolTimeout = e;
      }
    }
    assertThat((Throwable) poolTimeout).isInstanceOf(SQLTransientConnectionException.class);
    assertThat(translate(poolTimeout)).isInstanceOf(TransientDataAccessException.class);
  }

  @Test
  void anUnknownOutcomeIsRecoverableNotTransient() {
    DataAccessException e = translate(new SQLRecoverableException("lost during COMMIT", "08007"));
    assertThat(e)
        .isInstanceOf(RecoverableDataAccessException.class)
        .isNotInstanceOf(TransientDataAccessException.class);
    assertThat(e.getMessage()).contains("may or may not have been applied");
  }

  @Test
  void configurationErrorsAreNotTransient() {
    for (String state : new String[] {"22023", "28P01", "28000", "3D000", "0A000"}) {
      assertThat(translate(new SQLException("fix the configuration", state)))
          .as(state)
          .isInstanceOf(NonTransientDataAccessResourceException.class);
    }
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
