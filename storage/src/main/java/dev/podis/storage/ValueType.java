package dev.podis.storage;

/** The Redis data types, with the names TYPE and SCAN ... TYPE use. */
public enum ValueType {
    STRING("string"),
    LIST("list"),
    SET("set"),
    ZSET("zset"),
    HASH("hash"),
    STREAM("stream");

    private final String redisName;

    ValueType(String redisName) {
        this.redisName = redisName;
    }

    public String redisName() {
        return redisName;
    }

    private static final ValueType[] VALUES = values();

    public static ValueType ofCode(int code) {
        return VALUES[code];
    }

    /** Type by its TYPE name, or null. */
    public static ValueType byName(String name) {
        for (ValueType t : VALUES) {
            if (t.redisName.equalsIgnoreCase(name)) {
                return t;
            }
        }
        return null;
    }
}
