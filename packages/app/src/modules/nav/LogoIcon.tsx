import { makeStyles } from '@material-ui/core';

const useStyles = makeStyles({
  svg: { width: 28, height: 28, flexShrink: 0 },
});

/** Chorus's mark: three voices, staggered. */
export const LogoIcon = () => {
  const classes = useStyles();
  return (
    <svg
      className={classes.svg}
      viewBox="0 0 32 32"
      xmlns="http://www.w3.org/2000/svg"
      aria-label="Chorus"
    >
      <rect x="2" y="6" width="6" height="20" rx="3" fill="#7df3e1" />
      <rect x="13" y="2" width="6" height="28" rx="3" fill="#7df3e1" />
      <rect x="24" y="9" width="6" height="14" rx="3" fill="#7df3e1" />
    </svg>
  );
};
