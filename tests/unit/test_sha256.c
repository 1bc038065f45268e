/* SHA-256 against the FIPS 180-4 / NIST example vectors and sha256sum. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"
#include "unit.h"

static void vectors(void)
{
	char h[65];

	sha256_hex("", 0, h);
	CHECK_STR(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256_hex("abc", 3, h);
	CHECK_STR(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, h);
	CHECK_STR(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

/* One million 'a' fed in odd-sized pieces crosses every block boundary case. */
static void million_a_in_pieces(void)
{
	struct sha256 s;
	unsigned char d[32], chunk[997];
	char h[65];
	size_t left = 1000000;

	memset(chunk, 'a', sizeof chunk);
	sha256_init(&s);
	while (left) {
		size_t n = left < sizeof chunk ? left : sizeof chunk;
		sha256_update(&s, chunk, n);
		left -= n;
	}
	sha256_final(&s, d);
	for (int i = 0; i < 32; i++)
		snprintf(h + 2 * i, 3, "%02x", d[i]);
	CHECK_STR(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Every length 0..200 agrees with coreutils' sha256sum. */
static void agrees_with_sha256sum(void)
{
	char buf[256], h[65], cmd[512], want[65];

	for (int n = 0; n <= 200; n += 7) {
		for (int i = 0; i < n; i++)
			buf[i] = (char)('a' + (i * 7 + n) % 26);
		buf[n] = '\0';
		sha256_hex(buf, (size_t)n, h);
		snprintf(cmd, sizeof cmd, "printf '%%s' '%s' | sha256sum", buf);
		FILE *f = popen(cmd, "r");
		CHECK(f != NULL);
		CHECK(fscanf(f, "%64s", want) == 1);
		pclose(f);
		CHECK_STR(h, want);
	}
}

UNIT_MAIN(UNIT(vectors), UNIT(million_a_in_pieces), UNIT(agrees_with_sha256sum))
