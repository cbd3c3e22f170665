package org.patronijdbc;

/**
 * A scope in which this thread's replica reads see at least a given position: {@link
 * PatroniDataSource#readAfter(String)}. Closing it ends the scope; scopes nest.
 */
public interface ReadScope extends AutoCloseable {

  /** Ends the scope: the thread's reads see what they saw before it. */
  @Override
  void close();
}
