package dev.podis.protocol;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Doubles are replied as Redis 7.0's addReplyDouble prints them: C's "%.17g". The expected texts
 * below were produced by C printf's "%.17g" (correctly rounded, as glibc is); the named ones were
 * also checked against a real Redis 7.0 (ZADD on a skiplist-encoded zset, then ZSCORE).
 */
class DoublesTest {
    @Test
    void valuesCheckedAgainstRedis() {
        assertEquals("0.10000000000000001", Doubles.format(0.1));
        assertEquals("1.5", Doubles.format(1.5));
        assertEquals("1.0000000000000001e+300", Doubles.format(1e300));
        assertEquals("-0", Doubles.format(-0.0));
        assertEquals("0", Doubles.format(0.0));
        assertEquals("3.1415899999999999", Doubles.format(3.14159));
        assertEquals("1.0000000000000001e-05", Doubles.format(1e-5));
        assertEquals("1.2345678901234568e+17", Doubles.format(123456789012345678.0));
        assertEquals("1e+17", Doubles.format(1e17));
        assertEquals("10000000000000000", Doubles.format(1e16));
        assertEquals("0.0001", Doubles.format(0.0001));
        assertEquals("1.234e-05", Doubles.format(0.00001234));
        assertEquals("4.9406564584124654e-324", Doubles.format(Double.MIN_VALUE));
        assertEquals("1.7976931348623157e+308", Doubles.format(Double.MAX_VALUE));
        assertEquals("100", Doubles.format(100));
        assertEquals("-2.5", Doubles.format(-2.5));
    }

    @Test
    void specialValues() {
        assertEquals("inf", Doubles.format(Double.POSITIVE_INFINITY));
        assertEquals("-inf", Doubles.format(Double.NEGATIVE_INFINITY));
        assertEquals("nan", Doubles.format(Double.NaN));
    }

    @Test
    void exactTiesRoundToEvenAsPrintfDoes() {
        // 2^50 + 0.25 and + 0.75 are exact with 18 significant digits ending in 5: printf (and
        // Redis) round these ties to even: ...624.2 and ...624.8.
        assertEquals("1125899906842624.2", Doubles.format(1125899906842624.25));
        assertEquals("1125899906842624.8", Doubles.format(1125899906842624.75));
        assertEquals("562949953421312.12", Doubles.format(562949953421312.125));
    }

    @Test
    void shortBinaryFractionsPrintExactly() {
        assertEquals("0.000244140625", Doubles.format(0x1p-12));
        assertEquals("-1234.125", Doubles.format(-1234.125));
        assertEquals("0.5", Doubles.format(0.5));
        assertEquals("99999999999999.984", Doubles.format(99999999999999.984375)); // 17 digits: rounded
        // The fast path for n / 2^j agrees with the general rounding path everywhere.
        java.util.Random rnd = new java.util.Random(1);
        for (int i = 0; i < 200_000; i++) {
            long n = rnd.nextLong() >> rnd.nextInt(64);
            double d = Math.scalb((double) n, -rnd.nextInt(30));
            assertEquals(Doubles.formatRounded(d), Doubles.format(d), Double.toString(d));
        }
    }

    /** Bit patterns (random and chosen) with their "%.17g" text. */
    private static final String[][] TABLE = {
        {"0x3fb999999999999aL", "0.10000000000000001"},
        {"0x3ff8000000000000L", "1.5"},
        {"0x7e37e43c8800759cL", "1.0000000000000001e+300"},
        {"0x8000000000000000L", "-0"},
        {"0x400921f9f01b866eL", "3.1415899999999999"},
        {"0x3ee4f8b588e368f1L", "1.0000000000000001e-05"},
        {"0x437b69b4ba630f35L", "1.2345678901234568e+17"},
        {"0x4310000000000002L", "1125899906842624.5"},
        {"0x3fd3333333333333L", "0.29999999999999999"},
        {"0x01bac9a7b3b7302fL", "2.5e-300"},
        {"0x81a56e1fc2f8f359L", "-1e-300"},
        {"0x4376345785d8a000L", "1e+17"},
        {"0x4376345785d89fffL", "99999999999999984"},
        {"0x4341c37937e08000L", "10000000000000000"},
        {"0x3f1a36e2eb1c432dL", "0.0001"},
        {"0x3ee9e0fcaf9380fcL", "1.234e-05"},
        {"0x0000000000000001L", "4.9406564584124654e-324"},
        {"0x7fefffffffffffffL", "1.7976931348623157e+308"},
        {"0xc004000000000000L", "-2.5"},
        {"0x4059000000000000L", "100"},
        {"0x4480f0cf064dd592L", "1e+22"},
        {"0x43b0000000000000L", "1.152921504606847e+18"},
        {"0xc05edd2f1a9fbe77L", "-123.456"},
        {"0x3fd5555555555555L", "0.33333333333333331"},
        {"0x3fe5555555555555L", "0.66666666666666663"},
        {"0x3f1a36e2eb1c432dL", "0.0001"},
        {"0x3f1a36e2eb1c432cL", "9.9999999999999991e-05"},
        {"0x3fe0000000000000L", "0.5"},
        {"0x4345ee2a2eb5a5c4L", "12345678901234568"},
        {"0x4330000000000000L", "4503599627370496"},
        {"0xf2a74de452e6b438L", "-1.989032661366619e+244"},
        {"0x6513270e269e0d37L", "7.761117632285041e+178"},
        {"0x0c5c7fd0a6a3a450L", "3.980498358697587e-249"},
        {"0xd23f0824128b2f33L", "-1.5432835417340557e+88"},
        {"0x1818e811892f902bL", "1.3647584518757569e-192"},
        {"0x9531985d5d9dc9f8L", "-1.3701135617873088e-206"},
        {"0xe8e25d940ed90475L", "-1.7160537630466207e+197"},
        {"0x36f675cc81e74ef5L", "6.2946752411953861e-44"},
        {"0x1600a35a099950d8L", "1.0613447212142254e-202"},
        {"0x6b0d549b6f03675aL", "4.7083251603875462e+207"},
        {"0x3d9c172411e20b8fL", "6.3870161585135632e-12"},
        {"0x8d116ece1738f7d9L", "-9.9731303785687331e-246"},
        {"0x0f21ddb66cad4a26L", "8.7797532256802712e-236"},
        {"0x90c192cfd3ac94afL", "-5.7955032484989932e-228"},
        {"0xf28c105d1fb17c23L", "-5.9881801593860111e+243"},
        {"0xa170b33839263059L", "-1.3060523885277959e-147"},
        {"0x953f48f1a09f76b5L", "-2.4361176994848409e-206"},
        {"0x0fd630f1f29d0da9L", "2.2333869991501741e-232"},
        {"0x95e60af593bd04cfL", "-3.5152797062666699e-203"},
        {"0x0cb1e29c658cda14L", "1.5987381841032883e-247"},
        {"0x3898d190f9ebdaccL", "4.6678633181812096e-36"},
        {"0x8e81973e0becd7b0L", "-8.4418727921054556e-239"},
        {"0x2217beaddbc496cbL", "1.9015657400796622e-144"},
        {"0x6b4cb2424a23d596L", "7.370437700706684e+208"},
        {"0x8a6a63ec24ede6a4L", "-1.7163996725272777e-258"},
        {"0x922766581e27a1c0L", "-3.2367190832119987e-221"},
        {"0x8f6d05584ef8aa38L", "-2.2818334634712625e-234"},
        {"0xae97ba94d0eda82fL", "-3.0536383926309363e-84"},
        {"0x1a61dbe22e44158bL", "1.3449551894627777e-181"},
        {"0x923a736994e3bf91L", "-7.3174959760626057e-221"},
        {"0x301850c5a38fd547L", "5.2498223088143036e-77"},
        {"0x18f135d25f557203L", "1.5450754142984396e-188"},
        {"0xb64ce4228c38fb29L", "-3.9536256982247919e-47"},
        {"0x907a70c31012f037L", "-2.7249126747649799e-229"},
        {"0x9e7769b10f4205b4L", "-6.5051418615487723e-162"},
        {"0x7f15052434b9b5dfL", "1.4414848395559941e+304"},
        {"0x881ed162ae2eb154L", "-1.4583679262758548e-269"},
        {"0xc6f877186d76b07eL", "-7.9394166688077208e+33"},
        {"0x7731af10506bf2efL", "1.4255183989699612e+266"},
        {"0xec66a78795e761d1L", "-1.5253157012324029e+214"},
        {"0xc0f6dbf3f4c54698L", "-93631.247258449323"},
        {"0xc1187148066c556eL", "-400466.00627263531"},
        {"0x4121f7aded143b60L", "588758.9630449824"},
        {"0x41184a93784735a0L", "397988.86745914258"},
        {"0xc11f3cfbea0a8100L", "-511806.97855569422"},
        {"0x41022b7b5d383238L", "148847.42051734193"},
        {"0x40e89b203e7262e0L", "50393.00762290298"},
        {"0x4126e585fb7799d8L", "750274.99114685785"},
        {"0x411c022a50c58230L", "458890.57887843531"},
        {"0xc119e2f1e18140feL", "-424124.47021962691"},
        {"0x412d4ebb63d5186eL", "960349.6949851641"},
        {"0xc1274fb8e3112197L", "-763868.44349007576"},
        {"0xc103fd52d9f7bbccL", "-163754.35642954556"},
        {"0x411f63a76fbfe7ccL", "514281.85913049872"},
        {"0xc1253dbddc81f4e6L", "-696030.93067899044"},
        {"0xc0d58e73239bda80L", "-22073.799048388842"},
        {"0xc12c1fe2f8c88e77L", "-921585.48590512469"},
        {"0x411488beda2eb478L", "336431.71306879027"},
        {"0x412025eb77007ddeL", "529141.73242562613"},
        {"0x4101d41f0b604c58L", "146051.88055476802"},
    };

    @Test
    void matchesPrintfOnTable() {
        for (String[] row : TABLE) {
            double d = Double.longBitsToDouble(Long.parseUnsignedLong(row[0].substring(2, row[0].length() - 1), 16));
            assertEquals(row[1], Doubles.format(d), row[0]);
        }
    }
}
