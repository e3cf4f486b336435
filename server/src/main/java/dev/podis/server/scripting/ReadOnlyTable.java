package dev.podis.server.scripting;

import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;

/**
 * A Lua table that refuses every change once sealed, as Redis 7's readonly tables: the standard
 * libraries, the {@code redis} table and their metatables, so that one script cannot change what
 * the next one sees. A change raises {@code Attempt to modify a readonly table}.
 *
 * <p>It is a LuaJ {@link Globals} so that it can also be a script's environment: LuaJ closures
 * find the instruction hook (the busy-script check) through their environment's Globals.
 */
class ReadOnlyTable extends Globals {
    static final String READONLY = "Attempt to modify a readonly table";

    private boolean sealed;

    /** A sealed copy of {@code source}'s entries (not its metatable). */
    static ReadOnlyTable copyOf(LuaTable source) {
        ReadOnlyTable t = new ReadOnlyTable();
        LuaValue k = LuaValue.NIL;
        while (true) {
            org.luaj.vm2.Varargs n = source.next(k);
            if ((k = n.arg1()).isnil()) {
                break;
            }
            t.rawset(k, n.arg(2));
        }
        return t;
    }

    /** From now on every change fails. */
    ReadOnlyTable seal() {
        this.sealed = true;
        return this;
    }

    boolean sealed() {
        return sealed;
    }

    /** Sets a field bypassing the seal (the server's own setup). */
    void put(String key, LuaValue value) {
        boolean was = sealed;
        sealed = false;
        try {
            super.rawset(LuaValue.valueOf(key), value);
        } finally {
            sealed = was;
        }
    }

    /** Sets the metatable bypassing the seal (the server's own setup). */
    void putMetatable(LuaValue metatable) {
        boolean was = sealed;
        sealed = false;
        try {
            super.setmetatable(metatable);
        } finally {
            sealed = was;
        }
    }

    private void check() {
        if (sealed) {
            throw new LuaError(READONLY);
        }
    }

    @Override
    public void rawset(int key, LuaValue value) {
        check();
        super.rawset(key, value);
    }

    @Override
    public void rawset(LuaValue key, LuaValue value) {
        check();
        super.rawset(key, value);
    }

    @Override
    public void hashset(LuaValue key, LuaValue value) {
        check();
        super.hashset(key, value);
    }

    @Override
    public LuaValue setmetatable(LuaValue metatable) {
        check();
        return super.setmetatable(metatable);
    }

    @Override
    public void insert(int pos, LuaValue value) {
        check();
        super.insert(pos, value);
    }

    @Override
    public LuaValue remove(int pos) {
        check();
        return super.remove(pos);
    }

    @Override
    public void sort(LuaValue comparator) {
        check();
        super.sort(comparator);
    }
}
