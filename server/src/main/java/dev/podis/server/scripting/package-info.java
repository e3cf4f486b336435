/**
 * Lua scripting and functions: EVAL, EVALSHA, SCRIPT, FUNCTION and FCALL on LuaJ, with Redis 7's
 * sandbox, API, type conversions and error texts.
 *
 * <p><b>Execution model.</b> A script runs on the command loop, like every command, so nothing
 * interleaves with it; its {@code redis.call}s go through the dispatcher's normal execution path
 * as a connection-less client ({@link dev.podis.server.CommandDispatcher#executeForScript}).
 * LuaJ calls {@link dev.podis.server.scripting.LuaEngine.Hook} before every instruction; every
 * 100,000 instructions it checks the script's run time. Past {@code busy-reply-threshold} the
 * server is busy: from then on each check lets the command loop process ready I/O events
 * ({@link dev.podis.server.ServerContext#pumpEvents}, Redis's processEventsWhileBlocked), so other
 * clients get {@code -BUSY} and SCRIPT KILL, FUNCTION KILL or SHUTDOWN NOSAVE can stop the script.
 * Netty's I/O handlers are not re-entrant during their I/O phase, so connections start script
 * commands from a task ({@link dev.podis.server.scripting.Scripting#runsScript}). See
 * docs/architecture.md, "Scripting", for the whole design and its known differences from Redis.
 */
package dev.podis.server.scripting;
