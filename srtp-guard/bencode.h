/*
 * bencode - a bounded, non-recursive bencode decoder (the encoding of
 * rtpengine's ng protocol: integers i<n>e, strings <len>:<bytes>, lists
 * l...e, dictionaries d<key><value>...e with string keys).
 *
 * The decoder writes a flat array of nodes supplied by the caller; strings
 * point into the input (nothing is copied, nothing is allocated). Limits:
 * nesting depth BE_MAX_DEPTH, at most max_nodes nodes, integers of at most
 * 19 digits, string lengths of at most 9 digits and never past the input.
 * It keeps an explicit stack, so no input can make it recurse.
 *
 * Every function takes (pointer, length) and needs no NUL terminator.
 */
#ifndef SENEMO_BENCODE_H
#define SENEMO_BENCODE_H

#include <stddef.h>
#include <stdint.h>

#define BE_MAX_DEPTH 32
#define BE_ERRLEN 128

typedef enum { BE_INT = 1, BE_STR, BE_LIST, BE_DICT } be_type_t;

typedef struct {
	be_type_t type;
	const char *s;  /* BE_STR: the bytes (not NUL-terminated) */
	size_t len;     /* BE_STR: byte count; BE_LIST/BE_DICT: number of children
	                   (a dictionary's keys and values both count) */
	int64_t i;      /* BE_INT */
	int first;      /* first child's index, -1 when empty */
	int next;       /* next sibling's index, -1 at the end */
} be_node_t;

/* Decode exactly one value from buf[0..len). nodes[0] is the root.
 * Returns the number of nodes used (>= 1), or -1 with a reason in err
 * (may be NULL). Trailing bytes after the value are an error unless
 * consumed is not NULL, in which case *consumed receives the value's
 * length. Dictionary keys must be strings (order and uniqueness are not
 * checked: rtpengine does not check them either; lookups take the first). */
int be_decode(const char *buf, size_t len, be_node_t *nodes, int max_nodes,
		size_t *consumed, char *err);

/* The value of key in the dictionary at index dict, or -1. */
int be_dict_get(const be_node_t *nodes, int dict, const char *key);

/* The value of key if it is a string: sets s and len and returns 0, else -1. */
int be_dict_str(const be_node_t *nodes, int dict, const char *key, const char **s, size_t *len);

/* 1 if the string node idx equals the NUL-terminated lit, else 0. */
int be_str_is(const be_node_t *nodes, int idx, const char *lit);

#endif
