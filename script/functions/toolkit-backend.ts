/**
 * Imported for its side effect, before anything that loads `@chainlink/functions-toolkit`'s package
 * root: the toolkit's encryption code (eth-crypto, bcrypto) needs a native build that is not made
 * here (install scripts are off), or `NODE_BACKEND=js` to use its JavaScript backend.
 */
process.env.NODE_BACKEND ??= 'js'

export const TOOLKIT_BACKEND = process.env.NODE_BACKEND
